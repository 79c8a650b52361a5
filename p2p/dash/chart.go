package dash

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// Chart sizes in SVG user units; the page scales them to its width.
const (
	chartW, chartH = 480, 200
	padL, padB     = 78, 22
	padT, padR     = 26, 10
)

// Line is one series of a line chart.
type Line struct {
	Name   string
	Class  string // CSS class: its colour
	Values []float64
}

// LineChart draws lines over times as inline SVG with id, a y axis in
// unit (format formats a value), and a legend.
func LineChart(id, title string, times []time.Time, format func(float64) string, lines ...Line) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		template.HTMLEscapeString(id), chartW, chartH, template.HTMLEscapeString(title))
	hi := 0.0
	for _, l := range lines {
		for _, v := range l.Values {
			hi = math.Max(hi, v)
		}
	}
	hi = niceCeil(hi)
	axes(&b, hi, format)
	n := len(times)
	x := func(i int) float64 {
		if n < 2 {
			return padL
		}
		return padL + float64(i)*float64(chartW-padL-padR)/float64(n-1)
	}
	y := func(v float64) float64 { return float64(chartH-padB) - v/hi*float64(chartH-padB-padT) }
	for _, l := range lines {
		var pts []string
		for i, v := range l.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		fmt.Fprintf(&b, `<polyline class="line %s" data-series="%s" points="%s"/>`,
			l.Class, template.HTMLEscapeString(l.Name), strings.Join(pts, " "))
	}
	if n > 0 {
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d">%s</text>`, padL, chartH-4, times[0].Local().Format("Jan 2 15:04"))
		fmt.Fprintf(&b, `<text class="tick end" x="%d" y="%d">%s</text>`, chartW-padR, chartH-4, times[n-1].Local().Format("Jan 2 15:04"))
	} else {
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d">no samples yet</text>`, padL+8, chartH/2)
	}
	legend(&b, lines)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Bar is one bar of a stacked bar chart: a label and its parts.
type Bar struct {
	Label string
	Parts []float64 // in the order of the chart's classes
}

// BarChart draws stacked bars as inline SVG; classes and names give each
// part's colour and legend.
func BarChart(id, title string, bars []Bar, names, classes []string) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		template.HTMLEscapeString(id), chartW, chartH, template.HTMLEscapeString(title))
	hi := 0.0
	for _, bar := range bars {
		t := 0.0
		for _, p := range bar.Parts {
			t += p
		}
		hi = math.Max(hi, t)
	}
	hi = niceCeil(hi)
	axes(&b, hi, func(v float64) string { return fmt.Sprintf("%g", v) })
	w := float64(chartW-padL-padR) / math.Max(float64(len(bars)), 1)
	unit := float64(chartH-padB-padT) / hi
	for i, bar := range bars {
		base := float64(chartH - padB)
		for j, p := range bar.Parts {
			if p <= 0 {
				continue
			}
			h := p * unit
			base -= h
			fmt.Fprintf(&b, `<rect class="bar %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s %g</title></rect>`,
				classes[j], padL+float64(i)*w+w*0.1, base, math.Max(w*0.8, 1), h,
				template.HTMLEscapeString(bar.Label), names[j], p)
		}
	}
	if len(bars) > 0 {
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d">%s</text>`, padL, chartH-4, template.HTMLEscapeString(bars[0].Label))
		fmt.Fprintf(&b, `<text class="tick end" x="%d" y="%d">%s</text>`, chartW-padR, chartH-4, template.HTMLEscapeString(bars[len(bars)-1].Label))
	} else {
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d">no epochs yet</text>`, padL+8, chartH/2)
	}
	var ls []Line
	for j := range names {
		ls = append(ls, Line{Name: names[j], Class: classes[j]})
	}
	legend(&b, ls)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// axes draws the y axis from 0 to hi with three gridlines.
func axes(b *strings.Builder, hi float64, format func(float64) string) {
	for i := 0; i <= 2; i++ {
		v := hi * float64(i) / 2
		y := float64(chartH-padB) - float64(i)*float64(chartH-padB-padT)/2
		fmt.Fprintf(b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, padL, y, chartW-padR, y)
		fmt.Fprintf(b, `<text class="tick end" x="%d" y="%.1f">%s</text>`, padL-6, y+4, template.HTMLEscapeString(format(v)))
	}
}

func legend(b *strings.Builder, lines []Line) {
	x := padL + 8
	for _, l := range lines {
		fmt.Fprintf(b, `<rect class="swatch %s" x="%d" y="%d" width="10" height="10"/>`, l.Class, x, 4)
		fmt.Fprintf(b, `<text class="tick" x="%d" y="%d">%s</text>`, x+14, 13, template.HTMLEscapeString(l.Name))
		x += 24 + 7*len(l.Name)
	}
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// Bytes formats a size for people: "512 B", "1.5 MiB".
func Bytes(v float64) string {
	const unit = 1024
	if v < unit {
		return fmt.Sprintf("%.0f B", v)
	}
	exp := 0
	for v >= unit && exp < 6 {
		v /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp-1])
}

// Rate formats bytes a second.
func Rate(v float64) string { return Bytes(v) + "/s" }
