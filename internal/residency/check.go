// Package residency checks that personal data lives only in its owner's
// home region: Check reads every region's store, media and event log and
// reports each piece found anywhere else (flick residency check).
package residency

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/directory"
)

// Violation is one piece of personal data found outside its owner's home
// region (or, for Kind "directory", an account missing from its home).
type Violation struct {
	Region    string `json:"region"` // where it was found
	Kind      string `json:"kind"`   // "store:<table>", "media", "events" or "directory"
	AccountID string `json:"account_id,omitempty"`
	Home      string `json:"home,omitempty"` // the owner's home region; "" when unknown
	Detail    string `json:"detail"`
}

func (v Violation) String() string {
	who := cmp.Or(v.AccountID, "no known owner")
	home := cmp.Or(v.Home, "unknown")
	return fmt.Sprintf("region %s, %s: %s (account %s, home %s)", v.Region, v.Kind, v.Detail, who, home)
}

// PendingMove is a move that was interrupted: flick residency move resumes
// it, finishing it or rolling it back.
type PendingMove struct {
	AccountID string    `json:"account_id"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Phase     string    `json:"phase"`
	Started   time.Time `json:"started"`
}

// Report is what Check found.
type Report struct {
	Regions       []string      `json:"regions"`
	Accounts      int           `json:"accounts"`       // in the directory
	Owners        int           `json:"owners"`         // (region, table, account) records of ownership looked at
	MediaKeys     int           `json:"media_keys"`     // blobs looked at
	EventAccounts int           `json:"event_accounts"` // (region, account) event subjects looked at
	Moves         []PendingMove `json:"pending_moves"`
	Violations    []Violation   `json:"violations"`
}

// Check scans every region's store, media store and event log and reports
// every piece of personal data found outside its owner's home region, and
// every account of the directory that its home region does not hold.
//
// An interrupted move leaves data in two regions (until it is resumed);
// that data is reported like any other, with a detail that names the move,
// because until the move is resumed it is indeed outside the home region.
func Check(ctx context.Context, dir *directory.Directory, cells []*flick.Cell) (*Report, error) {
	homes, err := dir.Entries(ctx)
	if err != nil {
		return nil, err
	}
	moves, err := dir.PendingMoves(ctx)
	if err != nil {
		return nil, err
	}
	c := &checker{homes: homes, moves: map[string]*directory.Move{}, moved: map[string]string{},
		rep: &Report{Accounts: len(homes), Moves: []PendingMove{}, Violations: []Violation{}}}
	for _, m := range moves {
		c.moves[m.AccountID] = m
		for _, key := range m.Media {
			c.moved[key] = m.AccountID
		}
		c.rep.Moves = append(c.rep.Moves, PendingMove{AccountID: m.AccountID, From: m.From, To: m.To, Phase: m.Phase, Started: m.Started})
	}
	stored := map[string]map[string]bool{} // region → its accounts table
	for _, cell := range cells {
		c.rep.Regions = append(c.rep.Regions, cell.Region)
		accounts, err := c.store(ctx, cell)
		if err != nil {
			return nil, fmt.Errorf("residency check: region %s: store: %w", cell.Region, err)
		}
		stored[cell.Region] = accounts
		if err := c.media(ctx, cell); err != nil {
			return nil, fmt.Errorf("residency check: region %s: media: %w", cell.Region, err)
		}
		if err := c.events(ctx, cell); err != nil {
			return nil, fmt.Errorf("residency check: region %s: events: %w", cell.Region, err)
		}
	}
	for id, home := range homes {
		switch accounts, ok := stored[home]; {
		case !ok:
			c.found(Violation{Region: home, Kind: "directory", AccountID: id, Home: home, Detail: "the directory homes the account in a region this instance does not have"})
		case !accounts[id]:
			c.found(Violation{Region: home, Kind: "directory", AccountID: id, Home: home, Detail: "the directory homes the account here, but this region's store does not hold it"})
		}
	}
	slices.SortFunc(c.rep.Violations, func(a, b Violation) int {
		return cmp.Or(strings.Compare(a.Region, b.Region), strings.Compare(a.Kind, b.Kind),
			strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.Detail, b.Detail))
	})
	return c.rep, nil
}

// accountsTable is the table of PersonalOwners that lists the accounts
// themselves.
const accountsTable = "accounts"

type checker struct {
	homes map[string]string          // account → home region
	moves map[string]*directory.Move // account → its interrupted move
	moved map[string]string          // media key → account, of the interrupted moves
	rep   *Report
}

// found records a violation, saying so when an interrupted move explains it.
func (c *checker) found(v Violation) {
	if m, ok := c.moves[v.AccountID]; ok && (v.Region == m.From || v.Region == m.To) {
		v.Detail += fmt.Sprintf(" (left by the interrupted move from %s to %s, phase %s)", m.From, m.To, m.Phase)
	}
	c.rep.Violations = append(c.rep.Violations, v)
}

// owned checks one record of owner found in region.
func (c *checker) owned(region, kind, owner, detail string) {
	home, ok := c.homes[owner]
	switch {
	case !ok:
		c.found(Violation{Region: region, Kind: kind, AccountID: owner, Detail: detail + "; the directory does not know the account"})
	case home != region:
		c.found(Violation{Region: region, Kind: kind, AccountID: owner, Home: home, Detail: detail})
	}
}

// store checks the owners of every record of the cell's store and returns
// the accounts it holds.
func (c *checker) store(ctx context.Context, cell *flick.Cell) (map[string]bool, error) {
	owners, err := cell.Store.PersonalOwners(ctx)
	if err != nil {
		return nil, err
	}
	tables := make([]string, 0, len(owners))
	for t := range owners {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		for _, id := range owners[t] {
			c.rep.Owners++
			c.owned(cell.Region, "store:"+t, id, "records in table "+t)
		}
	}
	accounts := map[string]bool{}
	for _, id := range owners[accountsTable] {
		accounts[id] = true
	}
	return accounts, nil
}

// media checks the owner of every blob of the cell: an avatar's account,
// or the author of the video whose files it is.
func (c *checker) media(ctx context.Context, cell *flick.Cell) error {
	keys, err := cell.Blobs.Keys(ctx, "")
	if err != nil {
		return err
	}
	authors := map[string]string{} // video ID → author ID, "" when not stored here
	for _, key := range keys {
		c.rep.MediaKeys++
		if rest, ok := strings.CutPrefix(key, "avatars/"); ok && strings.HasSuffix(rest, ".jpg") && !strings.Contains(rest, "/") {
			c.owned(cell.Region, "media", strings.TrimSuffix(rest, ".jpg"), "avatar "+key)
			continue
		}
		rest, ok := strings.CutPrefix(key, "videos/")
		videoID, _, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 {
			c.found(Violation{Region: cell.Region, Kind: "media", Detail: "media file " + key + " of no known kind"})
			continue
		}
		author, seen := authors[videoID]
		if !seen {
			v, err := cell.Store.Video(ctx, videoID)
			switch {
			case err == nil:
				author = v.AuthorID
			case flick.ErrorCode(err) != flick.ENOTFOUND:
				return err
			}
			authors[videoID] = author
		}
		if author == "" {
			// Once a move has purged the source's records, the journal
			// still knows whose the files left behind are.
			if owner, ok := c.moved[key]; ok {
				c.found(Violation{Region: cell.Region, Kind: "media", AccountID: owner, Home: c.homes[owner], Detail: "video file " + key + " of a video this region does not store"})
			} else {
				c.found(Violation{Region: cell.Region, Kind: "media", Detail: "video file " + key + " of a video this region does not store"})
			}
			continue
		}
		c.owned(cell.Region, "media", author, "video file "+key)
	}
	return nil
}

// events checks the owner of every account subject of the cell's log.
func (c *checker) events(ctx context.Context, cell *flick.Cell) error {
	ids, err := cell.Events.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		c.rep.EventAccounts++
		c.owned(cell.Region, "events", id, "events in the log")
	}
	return nil
}
