package mqtt

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho/session"
	"github.com/eclipse/paho.golang/paho/session/state"
)

// ackGate is the session of a listening client; it decides which messages
// are acknowledged.
//
// paho hands each message to the handler and, once the handler has
// returned, acknowledges it through the session's Ack, in the same
// goroutine, one message at a time. paho's manual acknowledgements would
// send acknowledgements on a timer instead, so that some of them could be
// lost when the connection is dropped after a failure; the gate keeps
// them synchronous: the handler takes mu before delivering and Ack
// releases it after the PUBACK is written, so Listen can wait for the
// message in hand before disconnecting. Once a delivery has failed, the
// gate holds back that acknowledgement and every later one, and the
// broker sends those messages again when the session resumes.
type ackGate struct {
	session.SessionManager
	mu       sync.Mutex // held from a message's delivery to its acknowledgement
	skip     bool       // the message in hand is not acknowledged; under mu
	once     sync.Once
	failed   chan struct{} // closed when a delivery failed
	stopping atomic.Bool   // no further message is delivered
	reason   atomic.Int32  // the reason code of the broker's DISCONNECT, -1 for none
}

func newGate() *ackGate {
	g := &ackGate{SessionManager: state.NewInMemory(), failed: make(chan struct{})}
	g.reason.Store(-1)
	return g
}

// begin starts handling a message; it reports whether to deliver it.
func (g *ackGate) begin() bool {
	g.mu.Lock()
	g.skip = g.hasFailed() || g.stopping.Load()
	return !g.skip
}

// refuse holds back the acknowledgement of the message in hand and of
// every later one.
func (g *ackGate) refuse() {
	g.skip = true
	g.once.Do(func() { close(g.failed) })
}

func (g *ackGate) hasFailed() bool {
	select {
	case <-g.failed:
		return true
	default:
		return false
	}
}

// Ack acknowledges the message in hand unless it is held back.
func (g *ackGate) Ack(pb *packets.Publish) error {
	defer g.mu.Unlock()
	if g.skip {
		return nil
	}
	return g.SessionManager.Ack(pb)
}

// ConnectionLost notes why the broker closed the connection.
func (g *ackGate) ConnectionLost(dp *packets.Disconnect) error {
	if dp != nil {
		g.reason.Store(int32(dp.ReasonCode))
	}
	return g.SessionManager.ConnectionLost(dp)
}

// stop lets the message in hand be acknowledged and delivers no more; it
// waits at most wait for that message.
func (g *ackGate) stop(wait time.Duration) {
	g.stopping.Store(true)
	idle := make(chan struct{})
	go func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		close(idle)
	}()
	select {
	case <-idle:
	case <-time.After(wait):
	}
}
