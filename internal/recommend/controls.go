package recommend

// ForgetViewer is "refresh your For You": the engine drops what it learned
// of viewerID's taste (history, hashtag and creator affinities) and ranks
// for them as for a new viewer. Follows stay: they are the viewer's
// explicit choice, not something learned.
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
