package dash

import (
	"cmp"
	"slices"
	"strings"
)

// Columns of the coordinator's node table, by JSON name, as sort keys.
var columns = map[string]func(a, b NodeRow) int{
	"peer":          func(a, b NodeRow) int { return strings.Compare(a.Peer, b.Peer) },
	"state":         func(a, b NodeRow) int { return strings.Compare(a.State, b.State) },
	"audit_score":   func(a, b NodeRow) int { return cmp.Compare(a.AuditScore, b.AuditScore) },
	"reach_score":   func(a, b NodeRow) int { return cmp.Compare(a.ReachScore, b.ReachScore) },
	"uptime":        func(a, b NodeRow) int { return cmp.Compare(a.Uptime, b.Uptime) },
	"audits":        func(a, b NodeRow) int { return cmp.Compare(a.Audits, b.Audits) },
	"audits_failed": func(a, b NodeRow) int { return cmp.Compare(a.Failed, b.Failed) },
	"epochs_proven": func(a, b NodeRow) int { return cmp.Compare(a.Proven, b.Proven) },
	"epochs_missed": func(a, b NodeRow) int { return cmp.Compare(a.Missed, b.Missed) },
	"last_epoch":    func(a, b NodeRow) int { return cmp.Compare(a.LastEpoch, b.LastEpoch) },
	"bytes":         func(a, b NodeRow) int { return cmp.Compare(a.Bytes, b.Bytes) },
	"chunks":        func(a, b NodeRow) int { return cmp.Compare(a.Chunks, b.Chunks) },
	"earned_msat":   func(a, b NodeRow) int { return cmp.Compare(a.EarnedMsat, b.EarnedMsat) },
}

// SortNodes sorts rows by the column named by (a JSON name; unknown:
// peer), descending if desc, ties by peer; it returns the column used.
func SortNodes(rows []NodeRow, by string, desc bool) string {
	f, ok := columns[by]
	if !ok {
		by, f = "peer", columns["peer"]
	}
	slices.SortStableFunc(rows, func(a, b NodeRow) int {
		c := f(a, b)
		if desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.Peer, b.Peer)
		}
		return c
	})
	return by
}

// Header is one sortable column heading of the node table.
type Header struct {
	Key, Label string
	Num        bool
	Link       string // the query that sorts by it (toggling the order)
	Mark       string // ▲ or ▼ on the column sorted by
}

// Headers are the node table's headings for v's order.
func (v *CoordinatorView) Headers() []Header {
	cols := []struct {
		key, label string
		num        bool
	}{
		{"peer", "node", false}, {"state", "state", false}, {"audit_score", "audit score", true},
		{"reach_score", "reach score", true}, {"uptime", "uptime", true}, {"audits", "audits", true},
		{"audits_failed", "failed", true}, {"epochs_proven", "proven", true}, {"epochs_missed", "missed", true},
		{"last_epoch", "last epoch", true}, {"bytes", "stored", true}, {"chunks", "chunks", true},
		{"earned_msat", "earned msat", true},
	}
	var out []Header
	for _, c := range cols {
		h := Header{Key: c.key, Label: c.label, Num: c.num, Link: "?sort=" + c.key}
		if c.key == v.Sort {
			if v.Desc {
				h.Mark = "▼"
			} else {
				h.Mark, h.Link = "▲", h.Link+"&desc=1"
			}
		} else if c.num {
			h.Link += "&desc=1" // numbers read best largest first
		}
		out = append(out, h)
	}
	return out
}
