package recommend

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// A snapshot is the engine's whole learned state and the event-log
// sequence it covers, so that a restart replays only the events after it.
// The format is a fixed header, the state as varints and fixed-width
// floats, and a CRC-32C of everything before it:
//
//	"FLKENGN\x00" version:uint32 seq:uint64
//	counts, creators, tags, videos, viewers, the engine's lists
//	crc32c:uint32
//
// Slots are written as they are (dead ones included), so a loaded engine
// is the saved one exactly and ranks identically.
const (
	snapshotMagic = "FLKENGN\x00"
	// snapshotVersion changes whenever the layout does; another version is
	// ignored (a full replay rebuilds the state).
	snapshotVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrSnapshot is wrapped by every error about a snapshot that cannot be
// used: corrupt, truncated, or of another version.
var ErrSnapshot = errors.New("recommend: unusable snapshot")

// WriteSnapshot writes the engine's state, as learned up to the event-log
// sequence seq, to w. It holds the read lock throughout: ranking goes on,
// learning waits (the learner, which calls it, is the one that learns).
func (e *Engine) WriteSnapshot(w io.Writer, seq uint64) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<20)
	s := &snapWriter{w: bw}
	s.raw([]byte(snapshotMagic))
	s.raw(binary.LittleEndian.AppendUint32(nil, snapshotVersion))
	s.raw(binary.LittleEndian.AppendUint64(nil, seq))
	e.encode(s)
	if s.err == nil {
		s.err = bw.Flush()
	}
	if s.err != nil {
		return fmt.Errorf("recommend: write snapshot: %w", s.err)
	}
	if _, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32())); err != nil {
		return fmt.Errorf("recommend: write snapshot: %w", err)
	}
	return nil
}

func (e *Engine) encode(s *snapWriter) {
	s.uvarint(uint64(len(e.videos)))
	s.uvarint(uint64(len(e.creators)))
	s.uvarint(uint64(len(e.tags)))
	s.uvarint(uint64(len(e.viewers)))
	for _, c := range e.creators {
		s.str(c.id)
		s.int32s(c.videos)
	}
	for _, t := range e.tags {
		s.str(t.name)
		s.int32s(t.top.items)
	}
	for k := range e.videos {
		v := &e.videos[k]
		s.str(v.id)
		s.varint(int64(v.creator))
		s.int32s(v.tags)
		s.varint(v.created)
		s.varint(v.duration)
		s.bool(v.alive)
		s.f32(v.engaged)
		s.f64(v.pop)
		s.varint(int64(v.audience))
		s.f32(v.completion)
		s.uvarint(uint64(len(v.nb)))
		for _, n := range v.nb {
			s.uvarint(uint64(n.j))
			s.f32(n.w)
		}
	}
	for k := range e.viewers {
		u := &e.viewers[k]
		s.str(u.id)
		s.varint(u.last)
		s.uvarint(uint64(len(u.hist)))
		for _, h := range u.hist {
			s.uvarint(uint64(h.v))
			s.f32(h.w)
			s.varint(h.at)
		}
		s.affinities(u.tags)
		s.affinities(u.creators)
		s.int32s(u.follows)
	}
	s.varint(int64(e.dead))
	s.varint(int64(e.sweepAt))
	s.varint(e.decay.landmark)
	s.int32s(e.freeView)
	s.int32s(e.trending.items)
	s.int32s(e.fresh)
}

// ReadSnapshot replaces the engine's state with the snapshot in r and
// returns the event-log sequence it covers. The checksum is verified
// before anything is decoded, and the whole snapshot is decoded before
// anything changes: on any error (wrapping ErrSnapshot when the data is at
// fault) the engine is as it was.
func (e *Engine) ReadSnapshot(r io.ReadSeeker) (seq uint64, err error) {
	size, err := verifySnapshot(r)
	if err != nil {
		return 0, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("recommend: read snapshot: %w", err)
	}
	n := NewEngine(e.cfg, e.clock)
	s := &snapReader{r: bufio.NewReaderSize(io.LimitReader(r, size-4), 1<<20), limit: size}
	head := s.raw(len(snapshotMagic) + 4 + 8)
	if s.err == nil {
		switch v := binary.LittleEndian.Uint32(head[len(snapshotMagic):]); {
		case string(head[:len(snapshotMagic)]) != snapshotMagic:
			s.fail("not an engine snapshot")
		case v != snapshotVersion:
			s.fail(fmt.Sprintf("version %d, this engine reads %d", v, snapshotVersion))
		}
	}
	if s.err == nil {
		seq = binary.LittleEndian.Uint64(head[len(snapshotMagic)+4:])
		n.decode(s)
	}
	if _, err := s.r.ReadByte(); s.err == nil && err != io.EOF {
		s.fail("data after the state")
	}
	if s.err != nil {
		return 0, s.err
	}
	n.rebuild()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.install(n)
	return seq, nil
}

// verifySnapshot checks the trailing checksum against the rest and
// returns the snapshot's size.
func verifySnapshot(r io.ReadSeeker) (int64, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = r.Seek(0, io.SeekStart)
	}
	if err != nil {
		return 0, fmt.Errorf("recommend: read snapshot: %w", err)
	}
	if size < int64(len(snapshotMagic))+4+8+4 {
		return 0, fmt.Errorf("%w: truncated", ErrSnapshot)
	}
	crc := crc32.New(castagnoli)
	if _, err := io.CopyN(crc, r, size-4); err != nil {
		return 0, fmt.Errorf("recommend: read snapshot: %w", err)
	}
	var sum [4]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return 0, fmt.Errorf("recommend: read snapshot: %w", err)
	}
	if binary.LittleEndian.Uint32(sum[:]) != crc.Sum32() {
		return 0, fmt.Errorf("%w: checksum mismatch", ErrSnapshot)
	}
	return size, nil
}

func (e *Engine) decode(s *snapReader) {
	nv, nc, nt, nu := s.count(), s.count(), s.count(), s.count()
	if s.err != nil {
		return
	}
	slot := func() int32 { return s.ref(nv) }
	e.creators = make([]creator, nc)
	for k := range e.creators {
		e.creators[k] = creator{id: s.str(), videos: s.refs(nv)}
	}
	e.tags = make([]tagState, nt)
	for k := range e.tags {
		e.tags[k] = tagState{name: s.str(), top: topList{max: e.cfg.TagVideos, items: s.refs(nv)}}
	}
	e.videos = make([]video, nv)
	for k := 0; k < nv && s.err == nil; k++ {
		v := &e.videos[k]
		v.id = s.str()
		v.creator = int32(s.varint())
		if v.creator < -1 || v.creator >= int32(nc) {
			s.fail("creator out of range")
		}
		v.tags = s.refs(nt)
		v.created, v.duration = s.varint(), s.varint()
		v.alive = s.bool()
		v.engaged, v.pop = s.f32(), s.f64()
		v.audience, v.completion = int32(s.varint()), s.f32()
		v.nb = make(neighbours, s.count())
		for i := range v.nb {
			v.nb[i] = neighbour{j: slot(), w: s.f32()}
		}
	}
	e.viewers = make([]viewer, nu)
	for k := 0; k < nu && s.err == nil; k++ {
		u := &e.viewers[k]
		u.id, u.last = s.str(), s.varint()
		u.hist = make([]histEntry, s.count())
		for i := range u.hist {
			u.hist[i] = histEntry{v: slot(), w: s.f32(), at: s.varint()}
		}
		u.tags, u.creators = s.affinities(nt), s.affinities(nc)
		u.follows = s.refs(nc)
	}
	e.dead, e.sweepAt, e.decay.landmark = int(s.varint()), int(s.varint()), s.varint()
	e.freeView = s.refs(nu)
	e.trending.items = s.refs(nv)
	e.fresh = s.refs(nv)
}

// rebuild derives what a snapshot leaves out: the ID indexes, cached
// norms, and the bounds that come from the configuration.
func (e *Engine) rebuild() {
	for k := range e.videos {
		v := &e.videos[k]
		v.norm = float32(math.Pow(float64(max(v.engaged, 1)), -e.cfg.NormTo))
		if v.alive {
			e.videoIdx[v.id] = int32(k)
		}
	}
	for k, c := range e.creators {
		e.creatorIdx[c.id] = int32(k)
	}
	for k, t := range e.tags {
		e.tagIdx[t.name] = int32(k)
	}
	for k, u := range e.viewers {
		if u.id != "" {
			e.viewerIdx[u.id] = int32(k)
		}
	}
	e.trending.items = e.trending.items[:min(len(e.trending.items), e.trending.max)]
	for k := range e.tags {
		t := &e.tags[k].top
		t.items = t.items[:min(len(t.items), t.max)]
	}
	e.resizeNeighbours()
}

// install takes n's state as e's.
func (e *Engine) install(n *Engine) {
	e.videoIdx, e.videos, e.dead, e.nbCap = n.videoIdx, n.videos, n.dead, n.nbCap
	e.creatorIdx, e.creators, e.tagIdx, e.tags = n.creatorIdx, n.creators, n.tagIdx, n.tags
	e.viewerIdx, e.viewers, e.freeView, e.sweepAt = n.viewerIdx, n.viewers, n.freeView, n.sweepAt
	e.decay, e.trending, e.fresh = n.decay, n.trending, n.fresh
}

// snapWriter encodes values, keeping the first error.
type snapWriter struct {
	w   *bufio.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

func (s *snapWriter) raw(b []byte) {
	if s.err == nil {
		_, s.err = s.w.Write(b)
	}
}

func (s *snapWriter) uvarint(x uint64) { s.raw(binary.AppendUvarint(s.buf[:0], x)) }
func (s *snapWriter) varint(x int64)   { s.raw(binary.AppendVarint(s.buf[:0], x)) }
func (s *snapWriter) f32(x float32) {
	s.raw(binary.LittleEndian.AppendUint32(s.buf[:0], math.Float32bits(x)))
}
func (s *snapWriter) f64(x float64) {
	s.raw(binary.LittleEndian.AppendUint64(s.buf[:0], math.Float64bits(x)))
}

func (s *snapWriter) bool(x bool) {
	if x {
		s.uvarint(1)
	} else {
		s.uvarint(0)
	}
}

func (s *snapWriter) str(x string) {
	s.uvarint(uint64(len(x)))
	if s.err == nil {
		_, s.err = s.w.WriteString(x)
	}
}

func (s *snapWriter) int32s(xs []int32) {
	s.uvarint(uint64(len(xs)))
	for _, x := range xs {
		s.uvarint(uint64(x))
	}
}

func (s *snapWriter) affinities(as []affinity) {
	s.uvarint(uint64(len(as)))
	for _, a := range as {
		s.uvarint(uint64(a.id))
		s.f32(a.w)
	}
}

// snapReader decodes values, keeping the first error. Every count and
// index is checked as it is read, so that a file that passed the checksum
// but was not written by this code (or this version of it) fails cleanly
// rather than allocating without bound or leaving an index that would
// panic later.
type snapReader struct {
	r     *bufio.Reader
	limit int64 // the snapshot's size: no count can exceed it
	err   error
}

func (s *snapReader) fail(why string) {
	if s.err == nil {
		s.err = fmt.Errorf("%w: %s", ErrSnapshot, why)
	}
}

func (s *snapReader) readErr(err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		s.fail("truncated")
	} else if s.err == nil {
		s.err = fmt.Errorf("recommend: read snapshot: %w", err)
	}
}

func (s *snapReader) raw(n int) []byte {
	if s.err != nil {
		return make([]byte, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(s.r, b); err != nil {
		s.readErr(err)
	}
	return b
}

func (s *snapReader) uvarint() uint64 {
	if s.err != nil {
		return 0
	}
	x, err := binary.ReadUvarint(s.r)
	if err != nil {
		s.readErr(err)
	}
	return x
}

func (s *snapReader) varint() int64 {
	if s.err != nil {
		return 0
	}
	x, err := binary.ReadVarint(s.r)
	if err != nil {
		s.readErr(err)
	}
	return x
}

func (s *snapReader) count() int {
	n := s.uvarint()
	if n > uint64(s.limit) {
		s.fail("count out of range")
		return 0
	}
	return int(n)
}

// ref reads an index that must be below n.
func (s *snapReader) ref(n int) int32 {
	x := s.uvarint()
	if x >= uint64(n) && s.err == nil {
		s.fail("index out of range")
		return 0
	}
	return int32(x)
}

func (s *snapReader) refs(n int) []int32 {
	c := s.count()
	if c == 0 {
		return nil
	}
	out := make([]int32, c)
	for i := range out {
		out[i] = s.ref(n)
	}
	return out
}

func (s *snapReader) f32() float32 { return math.Float32frombits(binary.LittleEndian.Uint32(s.raw(4))) }
func (s *snapReader) f64() float64 { return math.Float64frombits(binary.LittleEndian.Uint64(s.raw(8))) }
func (s *snapReader) bool() bool   { return s.uvarint() == 1 }

func (s *snapReader) str() string {
	n := s.count()
	return string(s.raw(n))
}

func (s *snapReader) affinities(n int) []affinity {
	c := s.count()
	if c == 0 {
		return nil
	}
	out := make([]affinity, c)
	for i := range out {
		out[i] = affinity{id: s.ref(n), w: s.f32()}
	}
	return out
}

// reset empties the engine.
func (e *Engine) reset() {
	n := NewEngine(e.cfg, e.clock)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.install(n)
}
