package residency

import "sync"

// claims are the accounts a job of this process is working on (a move, an
// erasure), so that two jobs never work on one account at once. The zero
// value is ready to use.
type claims struct {
	mu  sync.Mutex
	ids map[string]bool
}

// claim marks id as taken; false if it is already.
func (c *claims) claim(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids[id] {
		return false
	}
	if c.ids == nil {
		c.ids = map[string]bool{}
	}
	c.ids[id] = true
	return true
}

// release gives id back.
func (c *claims) release(id string) {
	c.mu.Lock()
	delete(c.ids, id)
	c.mu.Unlock()
}
