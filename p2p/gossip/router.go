package gossip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"lukechampine.com/blake3"

	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// maxRPC bounds one pubsub RPC frame: an envelope at its limit with the
// pubsub message around it (signature, author, sequence number, topic).
// The router splits what it sends to fit, and a peer that sends more has
// its stream reset.
const maxRPC = MaxEnvelope + 4<<10

// Config configures a Router.
type Config struct {
	// Profile is the network: its name names the topic, its protocol
	// prefix the gossipsub protocols, its epoch the scoring's clock.
	Profile *profile.Profile
	// PeerFilter admits the peers that may take part (gate.PeerFilter:
	// verified members only). Required.
	PeerFilter func(peer.ID, string) bool
	// Refused reports authors whose messages are dropped wherever they
	// come from (revoked, blocked); nil refuses no one.
	Refused func(peer.ID) bool
	// InvalidMemory is how long an invalid message weighs on the peer
	// that forwarded it; default 10 epochs.
	InvalidMemory time.Duration
	// InspectEvery is how often Score's snapshot is refreshed; default 1 s.
	InspectEvery time.Duration
	// Logger receives pubsub's logs; nil discards them.
	Logger *slog.Logger
}

// Router is a node's gossipsub router, set up for the network: private
// protocol IDs, strict signing, content-derived message IDs, the size cap,
// the peer filter and peer scoring. Topics are joined on it with Join.
type Router struct {
	ps      *pubsub.PubSub
	cfg     Config
	topic   string
	epoch   time.Duration
	scoring scoring
	scores  atomic.Pointer[map[peer.ID]PeerScore]
	traffic traffic
}

// Protocols are the gossipsub protocol IDs of a network with the given
// protocol prefix, newest first. A stock libp2p pubsub peer speaks
// /meshsub/... and never meshes with us.
func Protocols(prefix string) []protocol.ID {
	return []protocol.ID{
		protocol.ID(prefix + "/meshsub/1.2.0"),
		protocol.ID(prefix + "/meshsub/1.1.0"),
	}
}

// features maps our protocol IDs to gossipsub's features: both versions
// mesh and prune with peer exchange; 1.2 adds IDONTWANT, which spares a
// peer the copies of a large message it already has.
func features(f pubsub.GossipSubFeature, id protocol.ID) bool {
	switch f {
	case pubsub.GossipSubFeatureMesh, pubsub.GossipSubFeaturePX:
		return strings.HasSuffix(string(id), "/meshsub/1.2.0") || strings.HasSuffix(string(id), "/meshsub/1.1.0")
	case pubsub.GossipSubFeatureIdontwant:
		return strings.HasSuffix(string(id), "/meshsub/1.2.0")
	}
	return false
}

// TopicName is the network's proofs topic, scatterbytes/<network>/proofs.
func TopicName(p *profile.Profile) string { return p.Topic("proofs") }

// NewRouter starts gossipsub on h, which must be the gated host, until ctx
// ends.
func NewRouter(ctx context.Context, h host.Host, cfg Config) (*Router, error) {
	if cfg.Profile == nil || cfg.PeerFilter == nil {
		return nil, errors.New("gossip: Profile and PeerFilter are required")
	}
	epoch := time.Duration(cfg.Profile.Epoch)
	if epoch <= 0 {
		return nil, errors.New("gossip: the profile has no epoch length")
	}
	if cfg.Refused == nil {
		cfg.Refused = func(peer.ID) bool { return false }
	}
	if cfg.InvalidMemory <= 0 {
		cfg.InvalidMemory = 10 * epoch
	}
	if cfg.InspectEvery <= 0 {
		cfg.InspectEvery = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Router{cfg: cfg, topic: TopicName(cfg.Profile), epoch: epoch}
	r.scoring = newScoring(r.topic, epoch, cfg.InvalidMemory)
	r.scores.Store(&map[peer.ID]PeerScore{})
	ps, err := pubsub.NewGossipSub(ctx, h,
		pubsub.WithGossipSubProtocols(Protocols(cfg.Profile.ProtocolPrefix), features),
		pubsub.WithMessageSignaturePolicy(pubsub.StrictSign),
		pubsub.WithFloodPublish(false),
		pubsub.WithMessageIdFn(messageID),
		pubsub.WithPeerFilter(cfg.PeerFilter),
		pubsub.WithMaxMessageSize(maxRPC),
		pubsub.WithPeerScore(r.scoring.params, r.scoring.thresholds),
		pubsub.WithPeerScoreInspect(pubsub.ExtendedPeerScoreInspectFn(r.inspect), cfg.InspectEvery),
		pubsub.WithRawTracer(&r.traffic),
		pubsub.WithLogger(cfg.Logger),
	)
	if err != nil {
		return nil, fmt.Errorf("gossip: %w", err)
	}
	r.ps = ps
	return r, nil
}

// messageID names a message by its author and data, so that the same
// envelope from the same author is one message however often it is
// published (pubsub's default, author and sequence number, would make a
// republished envelope a new message).
func messageID(m *pb.Message) string {
	h := blake3.New(32, nil)
	h.Write(m.GetFrom())
	h.Write(m.GetData())
	return string(h.Sum(nil))
}

// PubSub is the underlying router, for what this package does not wrap.
func (r *Router) PubSub() *pubsub.PubSub { return r.ps }

// PeerScore is what a node holds against a peer, as it last computed it.
type PeerScore struct {
	Score float64 // the total; below Thresholds().GraylistThreshold the peer is ignored
	// On the proofs topic: invalid messages it forwarded and valid ones
	// it was first to bring (both decaying counters), and time in the mesh.
	Invalid, FirstDeliveries float64
	InMesh                   time.Duration
	Behaviour                float64 // protocol misbehaviour (P7) counter
}

// Score is p's score as this node last computed it (refreshed every
// Config.InspectEvery); 0 for a peer it has no record of.
func (r *Router) Score(p peer.ID) float64 { return (*r.scores.Load())[p].Score }

// PeerScore is Score with its parts, for metrics and tests.
func (r *Router) PeerScore(p peer.ID) PeerScore { return (*r.scores.Load())[p] }

// Thresholds are the score thresholds in force: below GraylistThreshold a
// peer's RPCs are dropped unread.
func (r *Router) Thresholds() pubsub.PeerScoreThresholds { return *r.scoring.thresholds }

func (r *Router) inspect(snap map[peer.ID]*pubsub.PeerScoreSnapshot) {
	scores := make(map[peer.ID]PeerScore, len(snap))
	for p, s := range snap {
		ps := PeerScore{Score: s.Score, Behaviour: s.BehaviourPenalty}
		if ts := s.Topics[r.topic]; ts != nil {
			ps.Invalid, ps.FirstDeliveries, ps.InMesh = ts.InvalidMessageDeliveries, ts.FirstMessageDeliveries, ts.TimeInMesh
		}
		scores[p] = ps
	}
	r.scores.Store(&scores)
}

// Traffic is what the router has sent and received since it started.
func (r *Router) Traffic() Traffic { return r.traffic.snapshot() }

// Mesh is the proofs topic's mesh: the peers this node forwards every
// message to.
func (r *Router) Mesh() []peer.ID { return r.traffic.meshOf(r.topic) }
