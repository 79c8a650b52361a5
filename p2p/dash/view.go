package dash

import (
	"time"

	"github.com/scatterbytes/scatterbytes/internal/logring"
)

// NodeView is everything a storage node's page and its JSON API show.
type NodeView struct {
	Node    string    `json:"node"`
	Network string    `json:"network"`
	Now     time.Time `json:"now"`
	// Refresh is how often the page reloads itself.
	Refresh time.Duration `json:"refresh_ns"`

	Disk      Disk      `json:"disk"`
	Proofs    Proofs    `json:"proofs"`
	Peers     Peers     `json:"peers"`
	Bandwidth Bandwidth `json:"bandwidth"`
	// Standing is the coordinator's record of the node; nil while the
	// coordinator has not answered (StandingError says why).
	Standing      *Standing `json:"standing,omitempty"`
	Earnings      *Earnings `json:"earnings,omitempty"`
	StandingError string    `json:"standing_error,omitempty"`

	Upkeep Upkeep `json:"upkeep"`

	Errors  []logring.Entry `json:"errors"`
	History []Sample        `json:"history"`
	Epochs  []Epoch         `json:"epochs"`
}

// Upkeep is what the node did to keep the network's data: stripes it
// repaired for holders that were lost, and chunks its sweep deleted when
// their orders expired.
type Upkeep struct {
	RepairPasses int64         `json:"repair_passes"`
	Endangered   int64         `json:"stripes_endangered"` // found at or below their repair threshold
	Repaired     int64         `json:"stripes_repaired"`   // by this node
	Rebuilt      int64         `json:"shards_rebuilt"`
	RepairIn     int64         `json:"repair_fetched_bytes"`
	RepairOut    int64         `json:"repair_sent_bytes"`
	RepairFailed int64         `json:"repairs_failed"`
	LastPass     time.Duration `json:"last_pass_ns"`
	// Swept is when the expiry sweep last ran (zero: not yet) and Expired
	// the chunks it deleted then.
	Swept   time.Time `json:"swept"`
	Expired int64     `json:"expired_chunks"`
}

// Disk is the chunk store's usage.
type Disk struct {
	Used        int64 `json:"used_bytes"`
	Capacity    int64 `json:"capacity_bytes"`
	Chunks      int64 `json:"chunks"`
	Quarantined int64 `json:"quarantined_chunks"`
}

// UsedPercent is Used as a share of Capacity (0 when unlimited).
func (d Disk) UsedPercent() float64 {
	if d.Capacity <= 0 {
		return 0
	}
	return 100 * float64(d.Used) / float64(d.Capacity)
}

// Proofs is the node's own account of its proofs.
type Proofs struct {
	Published int64  `json:"published"` // since the node started
	LastEpoch uint64 `json:"last_epoch_proven"`
	// Passed and Missed count the epochs in Epochs.
	Passed int `json:"passed"`
	Missed int `json:"missed"`
	// Committed is what the next proof answers for.
	CommittedChunks uint64 `json:"committed_chunks"`
	CommittedBytes  uint64 `json:"committed_bytes"`
}

// Peers is the node's place in the network: how many it reaches and who
// can reach it.
type Peers struct {
	Connected    int      `json:"connected"`
	RoutingTable int      `json:"routing_table"`
	Verified     int      `json:"verified"`
	Listen       []string `json:"listen"`
	// Reachability is libp2p's view of the node's own addresses.
	Reachability string `json:"reachability"`
}

// Bandwidth are the bytes moved since the process started and the rates
// over the last samples.
type Bandwidth struct {
	In      int64   `json:"received_bytes"`
	Out     int64   `json:"sent_bytes"`
	RateIn  float64 `json:"received_bytes_per_second"`
	RateOut float64 `json:"sent_bytes_per_second"`
}

// Standing is the coordinator's record of a node.
type Standing struct {
	State        string    `json:"state"` // vetting, vetted, suspended, disqualified
	AuditScore   float64   `json:"audit_score"`
	ReachScore   float64   `json:"reach_score"`
	Uptime       float64   `json:"uptime"`
	Audits       uint64    `json:"audits"`
	AuditsFailed uint64    `json:"audits_failed"`
	EpochsProven uint64    `json:"epochs_proven"`
	EpochsMissed uint64    `json:"epochs_missed"`
	Epoch        uint64    `json:"coordinator_epoch"`
	AsOf         time.Time `json:"as_of"`
}

// Earnings is the node's ledger statement in short.
type Earnings struct {
	Payout     string    `json:"payout_address"`
	EarnedMsat uint64    `json:"earned_msat"`
	PaidSat    uint64    `json:"paid_sat"`
	OpenSat    uint64    `json:"open_sat"`
	BalanceSat uint64    `json:"balance_sat"`
	Payouts    []Payout  `json:"payouts"`
	AsOf       time.Time `json:"as_of"`
}

// Payout is one payout to the node.
type Payout struct {
	ID    uint64 `json:"id"`
	Sat   uint64 `json:"sat"`
	State string `json:"state"`
	Txid  string `json:"txid"`
}

// CoordinatorView is everything the coordinator's page and its JSON API
// show.
type CoordinatorView struct {
	Network string        `json:"network"`
	Node    string        `json:"coordinator"`
	Now     time.Time     `json:"now"`
	Refresh time.Duration `json:"refresh_ns"`

	Epoch       uint64        `json:"epoch"`
	EpochStart  time.Time     `json:"epoch_start"`
	EpochLength time.Duration `json:"epoch_length_ns"`
	// Beacon is the epoch's beacon: its hash and randomness, hex.
	BeaconHash       string `json:"beacon_hash,omitempty"`
	BeaconRandomness string `json:"beacon_randomness,omitempty"`

	StoredBytes    uint64         `json:"stored_bytes"`
	NodesByState   map[string]int `json:"nodes_by_state"`
	CreditsPending int            `json:"credits_pending"`

	// Nodes are sorted by Sort (a column's JSON name), descending if Desc.
	Nodes []NodeRow `json:"nodes"`
	Sort  string    `json:"sort"`
	Desc  bool      `json:"desc"`

	// Epochs: per epoch, proofs whose samples all passed (Passed) and
	// proofs with a failed sample (Missed).
	Epochs  []Epoch         `json:"epochs"`
	Payouts PayoutTotals    `json:"payouts"`
	Peers   Peers           `json:"peers"`
	Errors  []logring.Entry `json:"errors"`
}

// NodeRow is one storage node in the coordinator's table.
type NodeRow struct {
	Peer       string  `json:"peer"`
	State      string  `json:"state"`
	AuditScore float64 `json:"audit_score"`
	ReachScore float64 `json:"reach_score"`
	Uptime     float64 `json:"uptime"`
	Audits     uint64  `json:"audits"`
	Failed     uint64  `json:"audits_failed"`
	Proven     uint64  `json:"epochs_proven"`
	Missed     uint64  `json:"epochs_missed"`
	LastEpoch  uint64  `json:"last_epoch"`
	Bytes      uint64  `json:"bytes"`
	Chunks     uint64  `json:"chunks"`
	EarnedMsat uint64  `json:"earned_msat"`
}

// PayoutTotals are the ledger's payouts in short.
type PayoutTotals struct {
	Count  map[string]int    `json:"count_by_state"`
	Sat    map[string]uint64 `json:"sat_by_state"`
	Recent []Payout          `json:"recent"`
}
