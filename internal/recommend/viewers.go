package recommend

// Per-viewer state is small and bounded: the latest History videos with
// the signal each got, a few hashtag and creator affinities, and the
// creators followed. A viewer without events for ViewerTTL is forgotten,
// a few slots at a time as events arrive, so expiry never pauses anything.
const (
	maxTagAffinities     = 16
	maxCreatorAffinities = 16
	maxFollows           = 2000
	sweepPerEvent        = 2
)

type viewer struct {
	id       string
	last     int64       // unix seconds of the latest event
	hist     []histEntry // newest last
	tags     []affinity
	creators []affinity // negative only: creators whose videos the viewer turned away from
	follows  []int32    // followed creators
}

type histEntry struct {
	v  int32
	w  float32 // summed signal: positive is taste, negative is aversion
	at int64
}

type affinity struct {
	id int32
	w  float32
}

func (u *viewer) find(vi int32) int {
	for k := len(u.hist) - 1; k >= 0; k-- {
		if u.hist[k].v == vi {
			return k
		}
	}
	return -1
}

func (u *viewer) moveToEnd(k int) {
	h := u.hist[k]
	copy(u.hist[k:], u.hist[k+1:])
	u.hist[len(u.hist)-1] = h
}

// addAffinity adds w to id's affinity; when the list is full the weakest
// (smallest magnitude) entry makes room.
func addAffinity(as []affinity, id int32, w float32, max int) []affinity {
	for k := range as {
		if as[k].id == id {
			as[k].w += w
			return as
		}
	}
	if len(as) < max {
		return append(as, affinity{id, w})
	}
	weak := 0
	for k := range as {
		if abs32(as[k].w) < abs32(as[weak].w) {
			weak = k
		}
	}
	if abs32(w) > abs32(as[weak].w) {
		as[weak] = affinity{id, w}
	}
	return as
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// viewerOf returns the viewer's slot, creating it, and marks activity at t.
func (e *Engine) viewerOf(id string, t int64) int32 {
	i, ok := e.viewerIdx[id]
	if !ok {
		if n := len(e.freeView); n > 0 {
			i, e.freeView = e.freeView[n-1], e.freeView[:n-1]
			e.viewers[i] = viewer{id: id}
		} else {
			i = int32(len(e.viewers))
			e.viewers = append(e.viewers, viewer{id: id})
		}
		e.viewerIdx[id] = i
	}
	if u := &e.viewers[i]; t > u.last {
		u.last = t
	}
	return i
}

func (e *Engine) follow(ui, c int32, on bool) {
	u := &e.viewers[ui]
	for k, f := range u.follows {
		if f == c {
			if !on {
				u.follows = append(u.follows[:k], u.follows[k+1:]...)
			}
			return
		}
	}
	if on {
		u.follows = appendBounded(u.follows, c, maxFollows)
	}
}

// expireSome looks at the next few viewer slots and forgets those idle
// for longer than ViewerTTL at event time t.
func (e *Engine) expireSome(t int64) {
	ttl := int64(e.cfg.ViewerTTL.Seconds())
	if ttl <= 0 || len(e.viewers) == 0 {
		return
	}
	for range sweepPerEvent {
		if e.sweepAt >= len(e.viewers) {
			e.sweepAt = 0
		}
		u := &e.viewers[e.sweepAt]
		if u.id != "" && u.last < t-ttl {
			delete(e.viewerIdx, u.id)
			*u = viewer{}
			e.freeView = append(e.freeView, int32(e.sweepAt))
		}
		e.sweepAt++
	}
}
