package storage

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/standing"
)

// nodeRecord is the coordinator's NODE answer: the fields of
// coordinator.NodeView that the dashboard and an exit read.
type nodeRecord struct {
	State      string  `json:"state"`
	AuditScore float64 `json:"audit_score"`
	ReachScore float64 `json:"reach_score"`
	Uptime     float64 `json:"uptime"`
	Audits     uint64  `json:"audits"`
	Failed     uint64  `json:"audits_failed"`
	Proven     uint64  `json:"epochs_proven"`
	Missed     uint64  `json:"epochs_missed"`
	LastEpoch  uint64  `json:"last_epoch"` // the last epoch whose proof the coordinator recorded
}

// askNode asks the coordinator for p's record (NODE, package standing)
// and returns it with the coordinator's epoch. A node the coordinator has
// never seen prove is refused: standing.ErrRefused.
func (s *Storage) askNode(ctx context.Context, p peer.ID) (nodeRecord, uint64, error) {
	prof := s.n.Profile()
	coord := prof.CoordinatorID()
	if coord == "" {
		return nodeRecord{}, 0, fmt.Errorf("the network profile names no coordinator")
	}
	resp, err := standing.Ask(ctx, s.n.Host(), coord, prof.Protocol("standing", "1.0.0"), standing.Request{Op: standing.OpNode, Peer: p})
	if err != nil {
		var epoch uint64
		if resp != nil {
			epoch = resp.Epoch
		}
		return nodeRecord{}, epoch, err
	}
	var r nodeRecord
	if err := json.Unmarshal(resp.Node, &r); err != nil {
		return r, resp.Epoch, fmt.Errorf("the coordinator's record of %s: %w", p, err)
	}
	return r, resp.Epoch, nil
}
