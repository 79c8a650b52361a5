package gossip

import (
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Score weights and thresholds; doc.go says why each is what it is.
const (
	invalidWeight = -10 // P4: k invalid messages cost 10·k²

	gossipThreshold   = -50  // ~3 invalid messages: no more gossip to or from it
	publishThreshold  = -100 // ~4: not published to
	graylistThreshold = -400 // ~7: every RPC from it dropped unread

	meshTimeCap      = 10 // P1: +1 per epoch in the mesh, at most +10
	firstDeliveryCap = 40 // P2: +1 per first delivery of a valid message, at most +40
	topicScoreCap    = meshTimeCap + firstDeliveryCap

	behaviourWeight    = -10 // P7: broken IWANT promises, GRAFT during backoff
	behaviourThreshold = 6   // tolerated before P7 counts

	acceptPXThreshold     = 10 // PX is off; were it on, only from peers with a record
	opportunisticGraftMin = 1
)

// scoring is the peer score setup of a router: the global parameters and
// thresholds, and the proofs topic's parameters.
type scoring struct {
	params     *pubsub.PeerScoreParams
	thresholds *pubsub.PeerScoreThresholds
	topic      *pubsub.TopicScoreParams
}

// decayInterval is how often counters decay: a tenth of an epoch, between
// 1 s (pubsub's minimum, and a test epoch) and a minute (an hour's epoch).
func decayInterval(epoch time.Duration) time.Duration {
	return min(max(epoch/10, time.Second), time.Minute)
}

// newScoring derives every time constant from the epoch length, so that
// a network of hour-long epochs and a test network of 1 s epochs behave
// alike when counted in epochs. invalidMemory is how long an invalid
// message weighs on its forwarder (until its count decays below 1%).
func newScoring(topic string, epoch, invalidMemory time.Duration) scoring {
	interval := decayInterval(epoch)
	decay := func(over time.Duration) float64 {
		return pubsub.ScoreParameterDecayWithBase(max(over, 2*interval), interval, pubsub.DefaultDecayToZero)
	}
	tp := &pubsub.TopicScoreParams{
		TopicWeight: 1,

		TimeInMeshWeight:  1,
		TimeInMeshQuantum: epoch,
		TimeInMeshCap:     meshTimeCap,

		FirstMessageDeliveriesWeight: 1,
		FirstMessageDeliveriesDecay:  decay(10 * epoch),
		FirstMessageDeliveriesCap:    firstDeliveryCap,

		// P3 and P3b off: the topic carries a burst of messages once an
		// epoch and nothing between, so a mesh peer's delivery rate says
		// nothing about its honesty.
		SkipAtomicValidation: true,

		InvalidMessageDeliveriesWeight: invalidWeight,
		InvalidMessageDeliveriesDecay:  decay(invalidMemory),
	}
	params := &pubsub.PeerScoreParams{
		Topics:        map[string]*pubsub.TopicScoreParams{topic: tp},
		TopicScoreCap: topicScoreCap,

		// P5 off for now; the coordinator's reputation may feed it later.
		AppSpecificScore:  func(peer.ID) float64 { return 0 },
		AppSpecificWeight: 0,

		// P6 off: membership is by certificate, so a crowd of peers on one
		// address costs the CA a certificate each, and operators with
		// several nodes behind one NAT are honest.
		IPColocationFactorWeight: 0,

		BehaviourPenaltyWeight:    behaviourWeight,
		BehaviourPenaltyThreshold: behaviourThreshold,
		BehaviourPenaltyDecay:     decay(10 * epoch),

		DecayInterval: interval,
		DecayToZero:   pubsub.DefaultDecayToZero,
		// A flooder that reconnects finds its record where it left it.
		RetainScore: max(invalidMemory, 10*epoch),
	}
	return scoring{params: params, topic: tp, thresholds: &pubsub.PeerScoreThresholds{
		GossipThreshold:             gossipThreshold,
		PublishThreshold:            publishThreshold,
		GraylistThreshold:           graylistThreshold,
		AcceptPXThreshold:           acceptPXThreshold,
		OpportunisticGraftThreshold: opportunisticGraftMin,
	}}
}
