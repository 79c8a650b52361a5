package dash

import (
	"fmt"
	"html/template"
	"time"
)

// SpaceChart draws used space (and capacity) over the history.
func (v *NodeView) SpaceChart() template.HTML {
	var ts []time.Time
	var used, capa []float64
	for _, s := range v.History {
		ts = append(ts, s.At)
		used = append(used, float64(s.Used))
		capa = append(capa, float64(s.Capacity))
	}
	lines := []Line{{Name: "used", Class: "c1", Values: used}}
	if v.Disk.Capacity > 0 && v.Disk.UsedPercent() > 50 {
		lines = append(lines, Line{Name: "capacity", Class: "c3", Values: capa})
	}
	return LineChart("chart-space", "used space over time", ts, Bytes, lines...)
}

// BandwidthChart draws the rates in and out between samples.
func (v *NodeView) BandwidthChart() template.HTML {
	ts, in, out := Rates(v.History)
	return LineChart("chart-bandwidth", "bandwidth over time", ts, Rate,
		Line{Name: "in", Class: "c1", Values: in}, Line{Name: "out", Class: "c2", Values: out})
}

// ProofChart draws each epoch's proof, passed or missed.
func (v *NodeView) ProofChart() template.HTML {
	var bars []Bar
	for _, e := range v.Epochs {
		bars = append(bars, Bar{Label: fmt.Sprintf("epoch %d", e.Epoch), Parts: []float64{float64(e.Passed), float64(e.Missed)}})
	}
	return BarChart("chart-proofs", "proofs per epoch", bars, []string{"passed", "missed"}, []string{"ok", "bad"})
}

// Rates turns samples' byte totals into rates between consecutive
// samples, at the later one's time; a total that fell (a restart) gives
// the later total over the interval.
func Rates(ss []Sample) (ts []time.Time, in, out []float64) {
	for i := 1; i < len(ss); i++ {
		d := ss[i].At.Sub(ss[i-1].At).Seconds()
		if d <= 0 {
			continue
		}
		ts = append(ts, ss[i].At)
		in = append(in, float64(delta(ss[i-1].In, ss[i].In))/d)
		out = append(out, float64(delta(ss[i-1].Out, ss[i].Out))/d)
	}
	return ts, in, out
}

func delta(a, b int64) int64 {
	if b < a {
		return b
	}
	return b - a
}

// ProofChart draws the proofs the coordinator verified per epoch: all
// samples passed, or some failed.
func (v *CoordinatorView) ProofChart() template.HTML {
	var bars []Bar
	for _, e := range v.Epochs {
		bars = append(bars, Bar{Label: fmt.Sprintf("epoch %d", e.Epoch), Parts: []float64{float64(e.Passed), float64(e.Missed)}})
	}
	return BarChart("chart-proofs", "proofs per epoch", bars, []string{"passed", "failed audits"}, []string{"ok", "bad"})
}
