package runner

import (
	"sync"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

// hookTTL is how long a webhook's flow is remembered: a flow disabled or
// changed on another node takes at most this long to be seen here (changes
// made through this node are seen at once).
const hookTTL = time.Second

// hookCache remembers which flow a webhook id belongs to, so a webhook call
// costs no query to find its flow.
type hookCache struct {
	mu sync.Mutex
	m  map[string]hookEntry
}

type hookEntry struct {
	flow store.Flow
	err  error // errNoWebhook is remembered too: unknown ids are cheap
	at   time.Time
}

func (c *hookCache) get(id string) (hookEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || time.Since(e.at) > hookTTL {
		return hookEntry{}, false
	}
	return e, true
}

func (c *hookCache) put(id string, e hookEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 100_000 {
		c.m = map[string]hookEntry{} // bounded: start over rather than grow
	}
	e.at = time.Now()
	c.m[id] = e
}

// forget drops every entry: a flow changed on this node.
func (c *hookCache) forget() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
