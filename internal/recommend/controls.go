package recommend

// ForgetViewer is "refresh your For You": the engine drops what it learned
// of viewerID's taste (history, hashtag and creator affinities) and ranks
// for them as for a new viewer. Follows stay: they are the viewer's
// explicit choice, not something learned. The server does not call it: it
// appends a reset event, which the engine learns like any other, so that a
// replay of the log forgets at the same point.
func (e *Engine) ForgetViewer(viewerID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.forgetViewer(viewerID)
}

func (e *Engine) forgetViewer(viewerID string) {
	i, ok := e.viewerIdx[viewerID]
	if !ok || viewerID == "" {
		return
	}
	u := &e.viewers[i]
	if len(u.follows) > 0 {
		u.hist, u.tags, u.creators = nil, nil, nil
		return
	}
	delete(e.viewerIdx, viewerID)
	*u = viewer{}
	e.freeView = append(e.freeView, i)
}
