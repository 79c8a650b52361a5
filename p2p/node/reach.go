package node

import (
	"context"
	"sync"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	ma "github.com/multiformats/go-multiaddr"
)

// Reachability is what a node knows of whether peers on the internet can
// dial it. On the public network AutoNAT decides it: peers dial the
// node's addresses back (v2 per address, v1 for the node as a whole) and
// the host reports the verdict (event.EvtLocalReachabilityChanged,
// event.EvtHostReachableAddrsChanged). On other networks nothing checks
// it: AutoNAT tests public addresses only, and a testnet or a LAN has
// none, so the node reports it as not checked.
type Reachability struct {
	// Checked is false on a network that is not public.
	Checked bool
	// State is Public (reachable), Private (behind a NAT or firewall
	// that no port mapping or hole punch opened) or Unknown (not decided
	// yet).
	State network.Reachability
	// ReachableAddrs and UnreachableAddrs are the addresses AutoNAT v2
	// confirmed and refuted.
	ReachableAddrs, UnreachableAddrs []ma.Multiaddr
}

// Unreachable says whether the node is known to be unreachable from the
// internet: a storage node then takes no new chunks (p2p/storage), which
// clients it never dialled could not fetch from it.
func (r Reachability) Unreachable() bool {
	return r.Checked && r.State == network.ReachabilityPrivate
}

// String is the reachability for people, as `node status` shows it.
func (r Reachability) String() string {
	switch {
	case !r.Checked:
		return "not checked (AutoNAT runs on the public network only)"
	case r.State == network.ReachabilityPublic:
		return "public: peers on the internet can dial this node"
	case r.State == network.ReachabilityPrivate:
		return "private: peers on the internet cannot dial this node (NAT or firewall; forward a port and pass --announce); it takes no new chunks"
	}
	return "unknown: AutoNAT has not decided yet"
}

// reach keeps the node's reachability as the host's events report it.
type reach struct {
	checked bool
	sub     event.Subscription
	once    sync.Once
	mu      sync.Mutex
	cur     Reachability
}

// close ends the subscription (run's and Node.Close's: either may be
// first).
func (r *reach) close() error {
	var err error
	r.once.Do(func() { err = r.sub.Close() })
	return err
}

// newReach subscribes to the host's reachability events, before anything
// is dialled, so that no verdict is missed.
func newReach(bus event.Bus, checked bool) (*reach, error) {
	sub, err := bus.Subscribe([]any{new(event.EvtLocalReachabilityChanged), new(event.EvtHostReachableAddrsChanged)})
	if err != nil {
		return nil, err
	}
	return &reach{checked: checked, sub: sub, cur: Reachability{Checked: checked}}, nil
}

// run follows the events until ctx ends, then closes the subscription.
func (r *reach) run(ctx context.Context) error {
	defer r.close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-r.sub.Out():
			if !ok {
				return nil
			}
			r.mu.Lock()
			switch e := e.(type) {
			case event.EvtLocalReachabilityChanged:
				r.cur.State = e.Reachability
			case event.EvtHostReachableAddrsChanged:
				r.cur.ReachableAddrs, r.cur.UnreachableAddrs = e.Reachable, e.Unreachable
				// A confirmed address settles it whatever v1 said.
				if len(e.Reachable) > 0 {
					r.cur.State = network.ReachabilityPublic
				}
			}
			r.mu.Unlock()
		}
	}
}

func (r *reach) get() Reachability {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.cur
	if !r.checked {
		out = Reachability{}
	}
	return out
}
