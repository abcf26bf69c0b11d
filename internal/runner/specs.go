package runner

import (
	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/flow"
)

// finder finds the connectors this server can open: flows are checked
// against exactly those (Config.Connectors).
func (r *Runner) finder() connector.Finder { return r.cfg.Connectors }

// specOptions fill in what flow validation asks of the connectors.
func (r *Runner) specOptions(o flow.Options) flow.Options {
	return o.WithConnectors(r.finder())
}
