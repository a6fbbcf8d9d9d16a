package recommend

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	flick "github.com/flick-video/flick"
)

// EraseAccount erases an erased account from the region's log and from
// what the recommender holds: see drop.
func (l *Learner) EraseAccount(ctx context.Context, accountID string) error {
	return l.drop(ctx, accountID, asViewerAndCreator)
}

// ReleaseAccount erases an account that moved to another region from the
// region's log and from what the recommender learned of it as a viewer;
// its videos live on in its new region, and here as theirs.
func (l *Learner) ReleaseAccount(ctx context.Context, accountID string) error {
	return l.drop(ctx, accountID, asViewer)
}

// scope is what drop makes the engine forget of an account.
type scope int

const (
	asViewer           scope = iota // its history, affinities and follows
	asViewerAndCreator              // and its videos, and others' follows of it and aversions to it
)

// drop erases the account's events from the log and then forgets it. A
// running learner first learns everything up to now, so that no event it
// had read but not yet learned comes back after the forgetting. In memory,
// the engine forgets the account; on disk, a snapshot of the engine
// without it is saved at once and every other snapshot is removed, so that
// no file of the snapshot directory holds its ID.
//
// Call it once the account's records are gone from the store: a catalogue
// refresh would bring its videos back. It is safe while Run is running (it
// waits for the batch being learned and the snapshot being saved); before
// Run has loaded the state, it rewrites the newest usable snapshot instead.
func (l *Learner) drop(ctx context.Context, accountID string, what scope) error {
	if !flick.ValidID(accountID) {
		return flick.Errorf(flick.EINVALID, "Invalid account id.")
	}
	if l.isStarted() {
		seq, err := l.log.LastSeq(ctx)
		if err == nil {
			err = l.WaitFor(ctx, seq)
		}
		if err != nil {
			return fmt.Errorf("recommend: erase %s: waiting for the learner: %w", accountID, err)
		}
	}
	if _, err := l.log.EraseAccount(ctx, accountID); err != nil {
		return fmt.Errorf("recommend: erase %s: %w", accountID, err)
	}
	return l.forget(ctx, accountID, what)
}

// forget makes the engine forget the account, in memory and in the
// snapshots.
func (l *Learner) forget(ctx context.Context, accountID string, what scope) error {
	l.state.Lock()
	defer l.state.Unlock()
	l.engine.forgetAccount(accountID, what)
	if l.snaps.Dir == "" {
		return nil
	}
	engine, pos := l.engine, l.position()
	if !l.loaded {
		// The snapshots are the state Run will load: the newest usable
		// one is rewritten without the account.
		last, err := l.log.LastSeq(ctx)
		if err != nil {
			return fmt.Errorf("recommend: forget: %w", err)
		}
		engine = NewEngine(l.engine.cfg, l.engine.clock)
		if pos, err = l.snaps.Load(ctx, engine, last); err != nil {
			return fmt.Errorf("recommend: forget: %w", err)
		}
		engine.forgetAccount(accountID, what)
	}
	if !l.loaded && pos == 0 {
		// No usable snapshot: Run will replay the log; the unusable ones
		// may still hold the account.
		return l.snaps.removeAllBut(ctx, nil)
	}
	if err := l.snaps.Save(ctx, engine, pos); err != nil {
		return fmt.Errorf("recommend: forget: %w", err)
	}
	return l.snaps.removeAllBut(ctx, &pos)
}

// position is the log sequence the engine's state covers; with l.state
// held it cannot move.
func (l *Learner) position() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.applied
}

// removeAllBut removes every snapshot but the one of sequence *keep (all
// of them when nil) and the temporary files of saves that never finished.
func (d SnapshotDir) removeAllBut(ctx context.Context, keep *uint64) error {
	entries, err := os.ReadDir(d.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("recommend: forget: list snapshots: %w", err)
	}
	for _, ent := range entries {
		name := ent.Name()
		if !strings.HasPrefix(name, snapshotPrefix) || keep != nil && name == snapshotName(*keep) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := os.Remove(filepath.Join(d.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("recommend: forget: remove snapshot: %w", err)
		}
	}
	return syncDir(d.Dir)
}

// forgetAccount drops the viewer id whole (unlike forgetViewer, follows
// too) and, asViewerAndCreator, the creator id with its videos.
func (e *Engine) forgetAccount(id string, what scope) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if i, ok := e.viewerIdx[id]; ok {
		delete(e.viewerIdx, id)
		e.viewers[i] = viewer{}
		e.freeView = append(e.freeView, i)
	}
	c, ok := e.creatorIdx[id]
	if what != asViewerAndCreator || !ok {
		return
	}
	var videos []string
	for k := range e.videos {
		if v := &e.videos[k]; v.alive && v.creator == c {
			videos = append(videos, v.id)
		}
	}
	for _, v := range videos {
		e.removeVideo(v)
	}
	e.dropCreator(c)
}

// dropCreator removes creator slot c, which no live video names, and
// renumbers the slots after it wherever they are referred to.
func (e *Engine) dropCreator(c int32) {
	delete(e.creatorIdx, e.creators[c].id)
	e.creators = slices.Delete(e.creators, int(c), int(c)+1)
	for k := int(c); k < len(e.creators); k++ {
		e.creatorIdx[e.creators[k].id] = int32(k)
	}
	renumber := func(x int32) int32 {
		if x > c {
			return x - 1
		}
		return x
	}
	for k := range e.videos {
		e.videos[k].creator = renumber(e.videos[k].creator)
	}
	for k := range e.viewers {
		u := &e.viewers[k]
		u.creators = slices.DeleteFunc(u.creators, func(a affinity) bool { return a.id == c })
		for j := range u.creators {
			u.creators[j].id = renumber(u.creators[j].id)
		}
		u.follows = slices.DeleteFunc(u.follows, func(f int32) bool { return f == c })
		for j := range u.follows {
			u.follows[j] = renumber(u.follows[j])
		}
	}
}
