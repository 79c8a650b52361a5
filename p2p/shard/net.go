package shard

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// Net places, puts and fetches shards through one node. Make one with New;
// its methods are safe for concurrent use.
type Net struct {
	cfg    Config
	log    *slog.Logger
	key    identity.Key
	node   *node.Node
	chunks chunk.Client
	coord  peer.ID     // never a holder
	speeds *peerSpeeds // observed fetch speed per node, for downloads
	space  *spaceCache // the nodes' free space, for placement
	clock  clock       // the races' time
	stats  Stats
	bad    badHolders // holders that served a corrupt chunk, warned about once
	// unreach are the peers lookups could not reach lately (lookup.go).
	unreach unreachables
	// vettingWarned is set once placement had to put more than one shard
	// of a stripe on vetting nodes.
	vettingWarned atomic.Bool
}

// Config configures a Net. Start from DefaultConfig.
type Config struct {
	// Lifetime is how long storage orders ask nodes to keep shards.
	Lifetime time.Duration
	// Standings, if set, is the coordinator's view of the nodes, which
	// writes respect (see admit); nil places on every node.
	Standings Standings
	// NoProviderLookups turns off the DHT provider lookup of fetches, the
	// last resort after the listed holders and the stripe's placement
	// record (the peers nearest the chunk's ID are still asked). A
	// storage node's repair sets it (it has the stripe's other members
	// to turn to), and tests to show the others suffice;
	// Stats.ProviderLookups counts the lookups made.
	NoProviderLookups bool
}

// DefaultConfig returns a Net configuration: orders for 90 days.
func DefaultConfig() Config { return Config{Lifetime: 90 * 24 * time.Hour} }

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	if c.Lifetime < time.Minute {
		return fmt.Errorf("shard: order lifetime %v is under a minute", c.Lifetime)
	}
	return nil
}

// Stats counts what a Net sent, skipped and fetched, for progress and
// tests.
type Stats struct {
	ShardsSent    atomic.Int64 // shards whose bytes were uploaded
	ShardsSkipped atomic.Int64 // shards a node already held (no bytes sent)
	BytesSent     atomic.Int64
	ShardsFetched atomic.Int64
	BytesFetched  atomic.Int64
	// StripesDecoded counts stripes read with parity shards in place of
	// data shards.
	StripesDecoded atomic.Int64
	// Hedges counts fetches started beside one that was late (no answer
	// yet, or slower than the others): each races its twin for a slot.
	Hedges atomic.Int64
	// SurplusDeleted counts copies a placement deleted again: a hedged
	// upload's twin that landed before its cancel did.
	SurplusDeleted atomic.Int64
	// PlacementsTold counts holders that took a stripe's placement record
	// (TellPlacement); PlacementsRead the records a download asked a
	// holder for when a listed holder failed.
	PlacementsTold atomic.Int64
	PlacementsRead atomic.Int64
	// ProviderLookups counts the DHT provider lookups fetches made: the
	// last resort, after the listed holders and the stripe's placement.
	ProviderLookups atomic.Int64
}

// New returns a Net that works through n (running, or about to be run by
// the caller), speaks the chunk protocol with chunks and signs storage
// orders with key (the owner of the orders: a client's identity key). log
// may be nil.
func New(n *node.Node, chunks chunk.Client, key identity.Key, cfg Config, log *slog.Logger) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Net{
		cfg: cfg, log: log, key: key, node: n, chunks: chunks,
		coord:  n.Profile().CoordinatorID(),
		speeds: newPeerSpeeds(n.Host().Peerstore().LatencyEWMA),
		space:  newSpaceCache(spaceTTL, time.Now),
		clock:  realClock{},
	}, nil
}

// The stall rule of fetches (see race): a holder that has not answered
// within answerWithin is raced by another.
const (
	answerFloor = 200 * time.Millisecond // never sooner: scheduling noise on a loaded machine
	answerCeil  = time.Second            // never later: the stall a dead holder may cost
	answerTimes = 4                      // × the typical time to first byte
)

// answerWithin is how long a fetch waits for its holder's first byte
// before racing another holder: answerTimes the average time to first
// byte seen so far, within [answerFloor, answerCeil]. Healthy holders
// answer in a few milliseconds on a LAN, tens under load or across the
// Internet; one that has not answered in four times that is more likely
// dead than slow, and racing a live one costs a shard's bytes, no more (a
// stripe takes any k shards that land).
func (t *Net) answerWithin() time.Duration {
	return min(max(answerTimes*t.speeds.typicalTTFB(), answerFloor), answerCeil)
}

// Stats returns the Net's counters.
func (t *Net) Stats() *Stats { return &t.stats }

// Connected waits until the node routes to at least one peer, for 30
// seconds at most; then it fails with ErrNotEnoughNodes.
func (t *Net) Connected(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return wait.For(ctx, func() error {
		if t.node.DHT().RoutingTable().Size() == 0 {
			return fmt.Errorf("%w: %w", ErrNotEnoughNodes, ErrNoPeers)
		}
		return nil
	})
}

// Ref names a stored shard: its chunk ID and the peers last known to hold
// it, in binary form (peer.ID bytes; ones that do not parse are skipped).
type Ref struct {
	ID      cid.Cid
	Holders [][]byte
}
