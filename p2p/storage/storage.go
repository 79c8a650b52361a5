// Package storage is the storage node service: a node (package node) with a
// chunk store (package store/disk) that serves the chunk protocol
// /scatterbytes/chunk/1.0.0 and keeps the placement record of every
// stripe it holds a shard of (package p2p/placement, in DIR/placements),
// so that a client, a repairer or a leaving node finds a shard's holders
// even when the manifest's list of holders is out of date.
//
// # Provider records
//
// Per-chunk DHT provider records cost every node a DHT walk per chunk and
// do not scale (a node with millions of chunks cannot reprovide them all),
// so a node keeps them only where nothing better exists:
//
//   - A replicated chunk (an order without a stripe: the manifest's
//     chunks, whose root client.Open and names look up by CID) is
//     announced when it is stored.
//   - A shard of a stripe is not announced when stored: its stripe's
//     placement record, which the client sends every holder after the put
//     (chunk protocol PLACE), names its holders; a repair or an exit
//     updates it on every holder.
//   - At start and every ReprovideEvery the node announces its replicated
//     chunks and the shards of stripes it keeps no record of (data stored
//     before records existed, or whose client could not tell this node).
//
// Readers keep the DHT as their last resort, after the listed holders and
// the stripe's record (and before the peers nearest the chunk's ID, where
// a repair places a rebuilt shard). The scrub of the disk store runs
// alongside and deletes what was quarantined since its last pass. A chunk
// found corrupt while it is served is quarantined at once by the chunk
// service.
//
// Each epoch the node answers the coordinator's beacon with a proof
// (package proof). It hears beacons on gossip; one that does not come in
// time (the node started within the epoch, or its mesh was not formed when
// the beacon went out: gossip never replays) it asks the coordinator for
// over the standings protocol (BEACON, package standing) and verifies as
// it would a gossiped one (catchup.go). One loop answers whatever path
// brought the beacon: each epoch at most once, never one older than the
// last answered.
//
// After every beacon it answers, the node rewrites DIR/status.json
// (StatusFile: last epoch proven, proofs published, what it committed, the
// last error), which `scatterbytes node status` reads beside the
// coordinator's view.
//
// # Repair
//
// After each proof it publishes, the node runs a repair pass (repair.go),
// bounded to Config.RepairRate bytes a second (DefaultRepairRate) of
// fetching and sending together:
//
//  1. Detection. It asks the coordinator for the standings (STANDINGS,
//     package standing). A node is lost when it is suspended (it missed
//     proofs: the grace period is the epochs to suspension,
//     ceil(ln(SuspendBelow)/ln(ReachLambda)), 10 with the default 0.95
//     and 0.6, so a node away for less is not a loss) or disqualified (it
//     failed audits: its shards are lost at once). With no lost node the
//     pass ends there: no lookup, no traffic.
//  2. The stripes it holds a shard of are known from the orders in its
//     store, with no manifest and no file key: an order names its whole
//     stripe (package chunk, Order.Stripe), and a replicated chunk (a
//     manifest chunk) is a group of k+m copies of one ID. Each member's
//     holders come from the stripe's placement record the node keeps
//     (package p2p/placement), and from the DHT's provider records only
//     for a member the node has no record naming a holder of (older data,
//     replicated chunks); the standings split them into healthy and lost.
//  3. Threshold. A stripe with fewer than k+m members that have a healthy
//     holder, and at most profile.RepairAt(k, m) of them (by default k +
//     min(m-1, ceil(m/2)): 5 for 4+2, the math is at RepairAt), is
//     endangered; a replicated chunk with a copy missing too.
//  4. One repairer per stripe: the healthy holder with the lowest peer ID
//     of the first member that has one. Every holder computes the same
//     from the same records, so a stripe is not repaired twice at once;
//     views that differ cost at most a duplicate copy (a node that holds
//     a chunk already answers HAVE and takes no bytes). The stripes with
//     the fewest healthy shards above k go first.
//  5. The repairer reads its own shard (hash-checked: a rotten one is
//     passed over, RepairStats.Corrupt) and fetches others until it has k
//     (each checked against its CID as it streams in; a holder that sends
//     wrong bytes is replaced by another member), rebuilds only the
//     missing shards (Reed-Solomon, package erasure), checks each against
//     its known ID, and places them on nodes that hold no part of the
//     stripe and are not lost (shard.Net.Rehome), under the client's order
//     it holds for its own shard: the order's stripe authorises every
//     shard it names. Then it adds the new holders to the stripe's record
//     and tells every holder the record names that is not lost, the new
//     ones included (chunk protocol PLACE; placement.go): a download that
//     finds the manifest's holder gone asks a holder of the stripe for it.
//
// A holder repairs rather than a coordinator worker: it has one shard
// already (k-1 fetches instead of k), the work and its bandwidth spread
// over the nodes that hold data instead of meeting at one machine, and
// the coordinator stays what the design wants it to be, light: it never
// carries chunk bytes. What a worker would do better, seeing every stripe
// at once, the standings give every holder.
//
// # Exit
//
// A node leaves the network gracefully with Exit (`scatterbytes node
// exit`), called while Run runs. From then on the chunk service takes no
// new chunk: a PUT of one it does not hold is refused as if the disk were
// full (no body byte is sent; placement tries the next node) and SPACE
// says there is no room, so placement passes the node over. It goes on
// serving GETs and proving every epoch: nothing it holds is unavailable
// at any moment, and it is not suspended while it leaves.
//
// For every chunk it holds under a live order (the groups repair reads
// from the orders: stripes, replicated chunks) it looks up every
// member's holders as repair does (step 2: the placement record, else the
// DHT), eight groups at once, and updates the records as repair does
// after it hands a chunk over. A member no other healthy node holds (a replicated chunk: held
// by fewer others than its k+m copies) is sent, under the order the node
// holds, to a node that holds no part of its group and is not suspended
// or disqualified (shard.Net.Rehome), within the repair bandwidth
// (Config.RepairRate, shared with repair).
// Then it waits until each chunk has a holder whose proof of an epoch
// that began after the last copy landed the coordinator has recorded
// (NODE's last_epoch, package standing): that proof committed to the
// chunk, and the chunk is challenged from the epoch after. A holder that
// has not proved two epochs later (and 30 s) has its chunks sent to
// another node, in up to three rounds in all (a late holder still counts
// if it proves meanwhile); then Exit fails with ErrNotHandedOver.
//
// Exit deletes nothing: once it returns the node may stop (the CLI stops
// it, and deletes DIR/chunks only with --delete-chunks). Its balance
// stays in the coordinator's ledger, which pays balances whatever the
// node's standing, so the node is paid what it earned, its last proofs
// included, after it has gone. An exit that stopped part way is resumed
// by running it again: a chunk found held elsewhere is not sent again
// (and a node that holds it already answers a PUT with HAVE), only its
// holder's proof is waited for. A chunk of the node's that no longer
// hashes to its ID stops the exit: the scrub quarantines it, and the
// stripe's repair restores it once the node is gone.
//
// # Garbage
//
// A chunk is kept until its order's Expiry or until its owner deletes it
// (chunk protocol DELETE), and no longer. Two things remove it, both
// through the prover's guarded store (package proof, "Deletes"), so that
// no chunk leaves while a commitment the node must still prove holds it:
// a missed sample would be the node's loss, not its fault.
//
//   - The owner's DELETE: a chunk no commitment holds goes at once; a
//     committed one vanishes for every reader at once (but the
//     coordinator's spot checks) and its bytes go once neither the next
//     commitment nor the one the last proof answered holds it: within
//     about two epochs (gc.go is not involved).
//   - The expiry sweep (gc.go): at start and every GCConfig.Interval
//     (DefaultSweepInterval, an hour) it reads the store's orders in CID
//     order, 256 at a time (no index iterator is held while it deletes),
//     and deletes every chunk whose order expired more than
//     GCConfig.Grace (DefaultExpiryGrace, ten minutes) ago by the node's
//     clock, at most GCConfig.MaxDeletes (4096) a pass; a pass that stops
//     there is followed by the next within min(Interval, a minute). The
//     grace is for clocks: a node clock a little ahead of its client's
//     must not delete a chunk before the expiry the client signed. A
//     chunk whose order does not decode is kept (the chunk service never
//     stores one; deleting what cannot be judged is the worse mistake).
//
// The bound: a chunk whose order expires at E is gone from the node at
// most Grace + Interval after E (defaults: 70 minutes) while the node
// runs; when more than MaxDeletes chunks are due in one pass, add
// min(Interval, a minute) and a pass's own time for each MaxDeletes of
// them ahead of it in CID order. Expired chunks are normally never in the
// outstanding commitment: the prover commits only chunks whose orders run
// past the end of the epoch the commitment is challenged in, and the
// beacon that replaces the commitment comes an epoch before that end. A
// node whose clock runs ahead of the coordinator's, or whose beacon is
// late, by more than an epoch plus the grace can find a committed chunk
// expired. And a chunk the last proof answered for may still be
// spot-checked by the coordinator (package proof, "Deletes"). Either way
// its bytes stay, hidden, until no such commitment holds it: at most about
// two epochs more.
//
// Expired chunks are not paid for: the commitment each proof carries
// leaves out every chunk whose order ends before the epoch it earns for
// ends (package proof, "Commitments"), and the coordinator credits the
// committed bytes. So the status file's committed bytes drop at the first
// commitment after that, and the store's Usage when the chunk is deleted.
// A delete the guard deferred lives in memory: a node restarted in the
// window keeps an owner-deleted chunk until its order expires, when the
// sweep removes it.
//
// Node is the storage node role (`scatterbytes node run`): the node and
// this service made by one New and run by one Run.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/internal/logring"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/gossip"
	"github.com/scatterbytes/scatterbytes/p2p/metrics"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/placement"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/disk"
)

// ChunksDir is the chunk store's directory inside a node directory.
const ChunksDir = "chunks"

// PlacementsDir is the placement records' goleveldb inside a node
// directory.
const PlacementsDir = "placements"

// ReprovideEvery is how often the chunks found only through provider
// records are announced again (package doc, "Provider records"); kad-dht
// provider records live 48 hours.
const ReprovideEvery = 12 * time.Hour

// Config configures a storage service.
type Config struct {
	// Capacity is the disk store's hard limit in bytes.
	Capacity int64
	// Store, if set, replaces the disk store (tests use store/memstore).
	Store store.Store
	// Logger receives the service's logs; nil discards them.
	Logger *slog.Logger
	// RepairRate bounds the bytes per second the node moves to repair
	// stripes (see "Repair") and to hand its chunks over when it leaves
	// (see "Exit"), both together; 0 is DefaultRepairRate, a negative
	// rate turns repair off (an exit then moves at DefaultRepairRate).
	RepairRate int
	// Metrics receives the node's series (package p2p/metrics); nil makes
	// a Set of the node's own. New hands it to the node too.
	Metrics *metrics.Set
	// Dashboard, if set, is the address of the node's dashboard, its
	// JSON API and /metrics (package p2p/dash: any address but 127.0.0.1,
	// ::1 or localhost needs the token kept in DIR/dashboard.token). The
	// node then keeps the dashboard's history in DIR/dashboard.
	Dashboard string
	// SampleEvery is how often the dashboard's history samples the node
	// and asks the coordinator for its standing; 0 means dash.SampleEvery.
	SampleEvery time.Duration
	// GC configures the expiry sweep (see "Garbage" above).
	GC GCConfig
	// Clock, if set, is the expiry sweep's clock instead of the wall
	// clock's (tests). The chunk service and certificates keep the wall
	// clock; proofs follow the coordinator's beacons.
	Clock Clock
}

// Storage serves a node's chunks.
type Storage struct {
	n       *node.Node
	st      store.Store
	disk    *disk.Store // nil when Config.Store was given
	svc     *chunk.Service
	log     *slog.Logger
	provide chan cid.Cid
	book    *placement.Book // the placement records of the stripes held
	// providerLookups counts the DHT provider lookups locate made for
	// members of stripes: only for stripes without a record.
	providerLookups atomic.Int64

	topic   *gossip.Topic
	beacons *gossip.Subscription
	prover  *proof.Prover
	clients *clientCerts
	proofs  atomic.Int64 // proofs published
	status  *status      // DIR/status.json
	move    *mover       // places chunks on other nodes: repair, exit
	repair  *repairer    // nil when repair is off
	metrics *metrics.Set
	recent  *logring.Ring // the last warnings and errors, for the dashboard
	dash    *dashboard    // nil when Config.Dashboard is empty
	gc      *collector    // the expiry sweep
	leaving atomic.Bool   // set by Exit: the chunk service takes no new chunks

	// Beacons reach the answering loop on beaconc, from gossip and from
	// the catch-up (prove.go, catchup.go); heard is the newest either
	// path has seen, so that the catch-up asks only while behind.
	beaconc chan heardBeacon
	heard   atomic.Pointer[proof.Beacon]
	counts  struct{ gossip, asked, skipped atomic.Int64 }
}

// refusing says why the node takes no new chunks, "" when it takes them:
// it is leaving (Exit), or it learnt that peers on the internet cannot
// dial it, so clients it never dialled could not fetch what it held.
func (s *Storage) refusing() string {
	switch {
	case s.leaving.Load():
		return "the node is leaving the network"
	case s.n.Reachability().Unreachable():
		return "the node is not reachable from the internet"
	}
	return ""
}

// Limit is the resource-manager budget a storage node gives the chunk
// protocol; pass it to node.New.
func Limit(n *node.Config) node.Option {
	return node.WithProtocolLimit(chunk.ProtocolLimit(n.Profile.Protocol("chunk", "1.0.0")))
}

// Open opens the chunk store in dir/chunks and registers the chunk protocol
// on the node's gated host. Run serves until ctx ends.
func Open(ctx context.Context, n *node.Node, dir string, cfg Config) (*Storage, error) {
	if err := cfg.GC.Validate(); err != nil {
		return nil, err
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	s := &Storage{n: n, st: cfg.Store, log: cfg.Logger, provide: make(chan cid.Cid, 4096), beaconc: make(chan heardBeacon),
		status:  &status{path: filepath.Join(dir, StatusFile), cur: Status{Node: n.ID().String()}, reach: n.Reachability},
		metrics: cfg.Metrics}
	s.status.observe = s.observeProof
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.recent = logring.New(recentErrors, slog.LevelWarn)
	s.log = slog.New(s.recent.Handler(s.log.Handler()))
	if s.st == nil {
		dcfg := disk.DefaultConfig(cfg.Capacity)
		dcfg.Logger = s.log
		dcfg.OnCorrupt = func(i store.Info, err error) {
			s.log.Warn("chunk quarantined", "chunk", i.ID, "err", err)
		}
		d, err := disk.Open(ctx, filepath.Join(dir, ChunksDir), dcfg)
		if err != nil {
			return nil, fmt.Errorf("open chunk store: %w", err)
		}
		s.st, s.disk = d, d
	}
	book, err := placement.OpenBook(filepath.Join(dir, PlacementsDir))
	if err != nil {
		s.closeStore()
		return nil, err
	}
	s.book = book
	s.clients = &clientCerts{dir: filepath.Join(dir, ClientsDir), verified: n.Gate().Verified}
	prover, err := proof.NewProver(proof.ProverConfig{
		Network: n.Profile().Name, Store: s.st, Key: n.Key(), Cert: n.Cert,
		ClientCert: s.clients.Cert, Logger: s.log.With("part", "prover"),
		Pending: filepath.Join(dir, PendingDeletesFile),
	})
	if err != nil {
		s.closeStore()
		return nil, err
	}
	s.prover = prover
	// Every reader and writer but the prover sees the guarded store, in
	// which an owner's delete of a committed chunk waits for the next
	// commitment (package proof, "Deletes").
	raw := s.st
	s.st = s.metrics.Store(prover.Guard(s.st))
	s.gc = newCollector(cfg.GC, cfg.Clock, s.st, s.log.With("part", "gc"))
	s.gc.prune = s.pruneRecords
	ccfg := chunk.DefaultConfig(newClosable(s.st, s.refusing), n.Key())
	ccfg.Logger = s.log
	ccfg.OnServed = s.metrics.ChunkServed
	// The coordinator's spot checks read past the guard: a chunk deleted
	// since the proof they check keeps its bytes until the next one.
	ccfg.Auditor, ccfg.AuditStore = n.Profile().CoordinatorID(), raw
	ccfg.Placements = s.book
	ccfg.OnStored = func(id cid.Cid) {
		select {
		case s.provide <- id:
		default: // the next reprovide round announces it
		}
	}
	svc, err := chunk.NewService(ccfg)
	if err != nil {
		s.closeStore()
		return nil, err
	}
	s.svc = svc
	if err := s.joinTopic(); err != nil {
		svc.Close()
		s.closeStore()
		return nil, err
	}
	moveRate := cfg.RepairRate
	if moveRate <= 0 {
		moveRate = DefaultRepairRate // with repair off, an exit still moves
	}
	if s.move, err = newMover(s, moveRate); err != nil {
		svc.Close()
		s.closeStore()
		return nil, err
	}
	if cfg.RepairRate >= 0 {
		s.repair = newRepairer(s, s.move)
	}
	s.registerUpkeep()
	if err := s.openDashboard(dir, cfg); err != nil {
		svc.Close()
		s.closeStore()
		return nil, err
	}
	svc.Register(n.Host(), n.Profile().Protocol("chunk", "1.0.0"))
	return s, nil
}

// Metrics is the node's metrics: its registry and series.
func (s *Storage) Metrics() *metrics.Set { return s.metrics }

// Store is the chunk store.
func (s *Storage) Store() store.Store { return s.st }

// ChunkService is the chunk protocol's service; its Counts tell what the
// node was asked.
func (s *Storage) ChunkService() *chunk.Service { return s.svc }

// Run announces chunks and scrubs the store until ctx ends; then it stops
// the service and closes the store.
func (s *Storage) Run(ctx context.Context) error {
	defer s.closeStore()
	defer s.svc.Close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.announce(ctx) })
	g.Go(func() error { return s.prove(ctx) })
	g.Go(func() error { return s.gc.run(ctx) })
	if s.disk != nil {
		g.Go(func() error { return s.disk.Run(ctx) })
	}
	if s.repair != nil {
		g.Go(func() error { return s.repair.run(ctx) })
	}
	if s.dash != nil {
		g.Go(func() error { return s.runDashboard(ctx) })
	}
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// Repairs is what the node's repairer did (zero when repair is off).
func (s *Storage) Repairs() RepairStats {
	if s.repair == nil {
		return RepairStats{}
	}
	return s.repair.snapshot()
}

// Proofs is how many proofs the node has published.
func (s *Storage) Proofs() int64 { return s.proofs.Load() }

func (s *Storage) closeStore() {
	if s.topic != nil {
		s.topic.Close()
	}
	if s.dash != nil {
		s.dash.close()
	}
	if s.disk != nil {
		if err := s.disk.Close(); err != nil {
			s.log.Warn("close chunk store", "err", err)
		}
	}
	if s.book != nil {
		if err := s.book.Close(); err != nil {
			s.log.Warn("close placement records", "err", err)
		}
	}
}

// Placements is the node's book of placement records.
func (s *Storage) Placements() *placement.Book { return s.book }

// ProviderLookups counts the DHT provider lookups the node made to find
// the holders of the stripes it holds a part of (repair, exit), and to
// fetch a chunk from another node: none for a stripe it keeps a record of
// whose holders answer. (A replicated chunk's copies are still found
// through the DHT, and not counted here.)
func (s *Storage) ProviderLookups() int64 {
	return s.providerLookups.Load() + s.move.net.Stats().ProviderLookups.Load()
}

// announce provides new replicated chunks as they arrive, and at start
// and every ReprovideEvery the replicated chunks and the shards of
// stripes without a placement record (package doc, "Provider records").
func (s *Storage) announce(ctx context.Context) error {
	all := time.NewTimer(0)
	defer all.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case id := <-s.provide:
			if o, ok := s.stored(ctx, id); ok && len(o.Stripe) == 0 {
				s.provideOne(ctx, id)
			}
		case <-all.C:
			err := s.st.Iterate(ctx, cid.Undef, func(i store.Info) error {
				if s.needsProvider(ctx, i) {
					s.provideOne(ctx, i.ID)
				}
				return ctx.Err()
			})
			if err != nil && ctx.Err() == nil {
				s.log.Warn("reprovide", "err", err)
			}
			all.Reset(ReprovideEvery)
		}
	}
}

// needsProvider says whether chunk i is found only through a provider
// record: a replicated chunk, or a shard of a stripe this node keeps no
// placement record of.
func (s *Storage) needsProvider(ctx context.Context, i store.Info) bool {
	o, err := chunk.UnmarshalOrder(i.Meta)
	if err != nil || len(o.Stripe) == 0 {
		return true
	}
	_, ok, err := s.book.Get(ctx, placement.KeyOf(o.Stripe))
	return err != nil || !ok
}

func (s *Storage) provideOne(ctx context.Context, id cid.Cid) {
	if s.n.DHT().RoutingTable().Size() == 0 {
		return // alone: nobody to tell; the next round will
	}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.n.DHT().Provide(pctx, id, true); err != nil && ctx.Err() == nil {
		s.log.Debug("provide", "chunk", id, "err", err)
	}
}

// recentErrors is how many warnings and errors the dashboard shows.
const recentErrors = 20

// observeProof counts the outcome of answering the beacon of epoch.
func (s *Storage) observeProof(epoch uint64, result string) {
	s.metrics.Proof(result)
	s.noteEpoch(epoch, result)
}

// PendingDeletesFile, in the node's directory, lists the chunks their
// owners deleted that a commitment still holds (package proof, Guard):
// kept across a restart, so a deleted chunk never comes back.
const PendingDeletesFile = "pending-deletes"
