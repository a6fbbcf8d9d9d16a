package storetest

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/flick-video/flick"
)

func testHiddenCreators(t *testing.T, f *fixture) {
	a, b, c := f.account("hider"), f.account("loud"), f.account("louder")
	f.toggles([]toggle{
		{"hide", func() (bool, error) { return f.home(a.ID).HideCreator(f.ctx, a.ID, b.ID, f.tick()) }, true},
		{"hide again", func() (bool, error) { return f.home(a.ID).HideCreator(f.ctx, a.ID, b.ID, f.tick()) }, false},
		{"hide another", func() (bool, error) { return f.home(a.ID).HideCreator(f.ctx, a.ID, c.ID, f.tick()) }, true},
		{"unhide", func() (bool, error) { return f.home(a.ID).UnhideCreator(f.ctx, a.ID, c.ID) }, true},
		{"unhide again", func() (bool, error) { return f.home(a.ID).UnhideCreator(f.ctx, a.ID, c.ID) }, false},
		{"hide back", func() (bool, error) { return f.home(a.ID).HideCreator(f.ctx, a.ID, c.ID, f.tick()) }, true},
	})
	refs, err := f.home(a.ID).HiddenCreators(f.ctx, a.ID)
	f.must(err)
	refs = f.filled(refs)
	if got := refHandles(refs); !slices.Equal(got, []string{"louder", "loud"}) {
		t.Errorf("HiddenCreators = %v, want newest first [louder loud]", got)
	}
	if refs[0].DisplayName != "Name of louder" {
		t.Errorf("HiddenCreators ref %+v lacks the display name", refs[0])
	}
	ctl, err := f.home(a.ID).Controls(f.ctx, a.ID)
	f.must(err)
	if slices.Sort(ctl.HiddenIDs); !slices.Equal(ctl.HiddenIDs, sorted(b.ID, c.ID)) {
		t.Errorf("Controls.HiddenIDs = %v", ctl.HiddenIDs)
	}
	// Hiding is one-way and per viewer.
	for _, who := range []*flick.Account{b, c} {
		ctl, err := f.home(who.ID).Controls(f.ctx, who.ID)
		f.must(err)
		if len(ctl.HiddenIDs) != 0 {
			t.Errorf("%s has hidden %v", who.Handle, ctl.HiddenIDs)
		}
	}

	_, err = f.home(a.ID).HideCreator(f.ctx, a.ID, a.ID, f.tick())
	f.wantCode(err, flick.EINVALID, "hide oneself")
	_, err = f.home(a.ID).HideCreator(f.ctx, a.ID, flick.NewID(f.tick()), f.tick())
	f.wantCode(err, flick.ENOTFOUND, "hide an unknown account")
	_, err = f.home("").HideCreator(f.ctx, flick.NewID(f.tick()), b.ID, f.tick())
	f.wantCode(err, flick.ENOTFOUND, "hide for an unknown account")

	f.run("limit", func(f *fixture) {
		v := f.account("collector")
		for i := range flick.MaxHiddenCreators {
			_, err := f.home(v.ID).HideCreator(f.ctx, v.ID, f.account(fmt.Sprintf("c%d", i)).ID, f.tick())
			f.must(err)
		}
		_, err := f.home(v.ID).HideCreator(f.ctx, v.ID, b.ID, f.tick())
		f.wantCode(err, flick.EUNPROCESSABLE, "hide past the limit")
		ctl, err := f.home(v.ID).Controls(f.ctx, v.ID)
		f.must(err)
		if len(ctl.HiddenIDs) != flick.MaxHiddenCreators || slices.Contains(ctl.HiddenIDs, b.ID) {
			t.Errorf("after a refused hide: %d hidden", len(ctl.HiddenIDs))
		}
		// Re-hiding someone already hidden at the limit is still fine.
		changed, err := f.home(v.ID).HideCreator(f.ctx, v.ID, ctl.HiddenIDs[0], f.tick())
		if err != nil || changed {
			t.Errorf("re-hide at the limit: %v, %v", changed, err)
		}
	})
}

// filled completes the references a region's store holds only by ID (to
// creators of other regions) from every region, as the Engagement service
// does.
func (f *fixture) filled(refs []flick.AccountRef) []flick.AccountRef {
	f.t.Helper()
	for i, r := range refs {
		if r.Handle == "" {
			a := f.getAccount(r.ID)
			refs[i] = flick.AccountRef{ID: a.ID, Handle: a.Handle, DisplayName: a.DisplayName, AvatarURL: a.AvatarURL}
		}
	}
	return refs
}

func refHandles(refs []flick.AccountRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Handle
	}
	return out
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

func testNotInterested(t *testing.T, f *fixture) {
	a, b := f.account("picky"), f.account("maker")
	v, w := f.readyVideo(b, "meh"), f.readyVideo(b, "fine")
	f.toggles([]toggle{
		{"mark", func() (bool, error) { return f.home(a.ID).MarkNotInterested(f.ctx, a.ID, v.ID, f.tick()) }, true},
		{"mark again", func() (bool, error) { return f.home(a.ID).MarkNotInterested(f.ctx, a.ID, v.ID, f.tick()) }, false},
		{"mark other", func() (bool, error) { return f.home(a.ID).MarkNotInterested(f.ctx, a.ID, w.ID, f.tick()) }, true},
		{"unmark other", func() (bool, error) { return f.home(a.ID).UnmarkNotInterested(f.ctx, a.ID, w.ID) }, true},
		{"unmark other again", func() (bool, error) { return f.home(a.ID).UnmarkNotInterested(f.ctx, a.ID, w.ID) }, false},
	})
	for _, tc := range []struct {
		account *flick.Account
		ids     []string
		want    map[string]bool
	}{
		{a, []string{v.ID, w.ID, flick.NewID(f.tick()), "junk'"}, map[string]bool{v.ID: true}},
		{b, []string{v.ID, w.ID}, map[string]bool{}},
		{a, nil, map[string]bool{}},
	} {
		got, err := f.home(tc.account.ID).NotInterested(f.ctx, tc.account.ID, tc.ids)
		f.must(err)
		if !mapsEqual(got, tc.want) {
			t.Errorf("NotInterested(%s, %v) = %v, want %v", tc.account.Handle, tc.ids, got, tc.want)
		}
	}
	_, err := f.home(a.ID).MarkNotInterested(f.ctx, a.ID, flick.NewID(f.tick()), f.tick())
	f.wantCode(err, flick.ENOTFOUND, "mark an unknown video")

	// A deleted video takes its marks with it (in other regions, once its
	// remove event reaches them).
	f.must(f.of(v.ID).DeleteVideo(f.ctx, v.ID))
	f.removed(v)
	got, err := f.home(a.ID).NotInterested(f.ctx, a.ID, []string{v.ID})
	f.must(err)
	if len(got) != 0 {
		t.Errorf("mark of a deleted video survives: %v", got)
	}
}

// testMarks checks that Marks agrees with Watched, NotInterested and Liked.
func testMarks(t *testing.T, f *fixture) {
	a, b := f.account("marker"), f.account("maker")
	v, w, x, y := f.readyVideo(b, "v"), f.readyVideo(b, "w"), f.readyVideo(b, "x"), f.readyVideo(b, "y")
	at := f.tick()
	f.must(f.home(a.ID).ApplyProjection(f.ctx, "marks", 1, flick.ProjectionBatch{Watches: []flick.Watch{
		{AccountID: a.ID, VideoID: v.ID, WatchMS: 15000, Completed: true, At: at},
		{AccountID: a.ID, VideoID: x.ID, WatchMS: 100, At: at}, // not through
	}}))
	_, err := f.home(a.ID).MarkNotInterested(f.ctx, a.ID, w.ID, at)
	f.must(err)
	_, err = f.home(a.ID).Like(f.ctx, a.ID, v.ID, at)
	f.must(err)
	_, err = f.home(a.ID).Like(f.ctx, a.ID, x.ID, at)
	f.must(err)
	_, err = f.home(b.ID).Like(f.ctx, b.ID, y.ID, at) // someone else's like
	f.must(err)
	all := []string{v.ID, w.ID, x.ID, y.ID, flick.NewID(f.tick()), "junk'"}
	for _, tc := range []struct {
		name    string
		account *flick.Account
		ids     []string
		want    map[string]flick.VideoMarks
	}{
		{"all kinds", a, all, map[string]flick.VideoMarks{
			v.ID: {Watched: true, Liked: true}, w.ID: {NotInterested: true}, x.ID: {Liked: true}}},
		{"a subset", a, []string{w.ID, y.ID}, map[string]flick.VideoMarks{w.ID: {NotInterested: true}}},
		{"another viewer", b, all, map[string]flick.VideoMarks{y.ID: {Liked: true}}},
		{"no videos", a, nil, map[string]flick.VideoMarks{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.home(tc.account.ID).Marks(f.ctx, tc.account.ID, tc.ids)
			if err != nil || !maps.Equal(got, tc.want) {
				t.Errorf("Marks = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func testSettings(t *testing.T, f *fixture) {
	a, b := f.account("tuner"), f.account("other")
	ctl, err := f.home(a.ID).Controls(f.ctx, a.ID)
	f.must(err)
	if ctl.Settings.NonPersonalized || ctl.Settings.KeywordFilters == nil || len(ctl.Settings.KeywordFilters) != 0 || ctl.HiddenIDs == nil {
		t.Errorf("default controls %+v, want personalised, no filters, empty lists", ctl)
	}

	got, err := f.home(a.ID).PutSettings(f.ctx, a.ID, flick.ViewerSettings{NonPersonalized: true, KeywordFilters: []string{" #Spoilers ", "cute   CATS", "spoilers", "Ünïcode"}})
	f.must(err)
	want := flick.ViewerSettings{NonPersonalized: true, KeywordFilters: []string{"spoilers", "cute cats", "ünïcode"}}
	if !settingsEqual(got, want) {
		t.Errorf("PutSettings returned %+v, want %+v", got, want)
	}
	ctl, err = f.home(a.ID).Controls(f.ctx, a.ID)
	f.must(err)
	if !settingsEqual(ctl.Settings, want) {
		t.Errorf("stored settings %+v, want %+v", ctl.Settings, want)
	}

	// Invalid settings change nothing.
	for _, bad := range []flick.ViewerSettings{
		{KeywordFilters: []string{"ok", ""}},
		{KeywordFilters: []string{"line\nbreak"}},
		{KeywordFilters: []string{"!!!"}},
		{KeywordFilters: make([]string, flick.MaxKeywordFilters+1)},
	} {
		_, err := f.home(a.ID).PutSettings(f.ctx, a.ID, bad)
		if code := flick.ErrorCode(err); code != flick.EINVALID && code != flick.EUNPROCESSABLE {
			t.Errorf("PutSettings(%q): code %q (%v), want invalid or unprocessable", bad.KeywordFilters, code, err)
		}
	}
	ctl, err = f.home(a.ID).Controls(f.ctx, a.ID)
	f.must(err)
	if !settingsEqual(ctl.Settings, want) {
		t.Errorf("settings after refused updates %+v, want %+v", ctl.Settings, want)
	}

	// Clearing works, and other viewers are untouched.
	if got, err = f.home(a.ID).PutSettings(f.ctx, a.ID, flick.ViewerSettings{}); err != nil || !settingsEqual(got, flick.ViewerSettings{KeywordFilters: []string{}}) {
		t.Errorf("clear: %+v, %v", got, err)
	}
	ctl, err = f.home(b.ID).Controls(f.ctx, b.ID)
	f.must(err)
	if ctl.Settings.NonPersonalized || len(ctl.Settings.KeywordFilters) != 0 {
		t.Errorf("another viewer's settings %+v", ctl.Settings)
	}
	_, err = f.home("").PutSettings(f.ctx, flick.NewID(f.tick()), want)
	f.wantCode(err, flick.ENOTFOUND, "settings of an unknown account")
}

func settingsEqual(a, b flick.ViewerSettings) bool {
	return a.NonPersonalized == b.NonPersonalized && a.KeywordFilters != nil && slices.Equal(a.KeywordFilters, b.KeywordFilters)
}
