package email

import "github.com/bistro-dev/bistro/connector"

// BreakIdleSessions drops the network connections under the idle sessions
// of conn, as a server does when it ends sessions left idle.
func BreakIdleSessions(open connector.Conn) int {
	c := open.(*conn)
	c.pool.mu.Lock()
	defer c.pool.mu.Unlock()
	for _, s := range c.pool.idle {
		s.close()
	}
	return len(c.pool.idle)
}
