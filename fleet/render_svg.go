package fleet

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"
)

// The HTML report's two charts are inline SVG written here, so the file
// needs nothing from outside: no script, no font, no image. Every label is
// escaped; numbers and dates are the only text they hold.

// severityColor fills each severity's bars (the stylesheet gives the
// badges the same hues, darker where white text sits on them).
var severityColor = map[string]string{
	"critical": "#991b1b", "high": "#dc2626", "medium": "#d97706", "low": "#2563eb", "unknown": "#6b7280",
}

// maxHistoryPoints bounds the severity chart to the latest audits; a
// service auditing hourly keeps thousands.
const maxHistoryPoints = 90

// Chart geometry, in SVG user units (the SVG scales to the page width).
const (
	chartW, chartH        = 600, 280
	plotLeft, plotRight   = 56, chartW - 24
	plotTop, plotBottom   = 44, chartH - 44
	plotWidth, plotHeight = plotRight - plotLeft, plotBottom - plotTop
)

// chartHistory is the history the chart shows: oldest first, the latest
// maxHistoryPoints.
func chartHistory(h []HistoryPoint) []HistoryPoint {
	pts := slices.Clone(h)
	slices.SortStableFunc(pts, func(a, b HistoryPoint) int { return a.Time.Compare(b.Time) })
	if len(pts) > maxHistoryPoints {
		pts = pts[len(pts)-maxHistoryPoints:]
	}
	return pts
}

// severityChart draws findings per severity at each audit as stacked bars,
// critical at the bottom. Each audit is one <g class="audit"> with a title
// that reads its counts out.
func severityChart(history []HistoryPoint) template.HTML {
	pts := chartHistory(history)
	var b strings.Builder
	desc := "No audit has been recorded yet."
	if len(pts) > 0 {
		last := pts[len(pts)-1]
		desc = fmt.Sprintf("Findings by severity at each of the last %s, from %s to %s. Latest: %s.",
			countNoun(len(pts), "audit", "audits"), fmtTime(pts[0].Time), fmtTime(last.Time), countsText(last.Counts))
	}
	svgOpen(&b, "sev-chart", "Findings by severity over time", desc)
	legend(&b)
	if len(pts) == 0 {
		noData(&b, "No audits recorded yet.")
		b.WriteString("</svg>")
		return template.HTML(b.String())
	}
	top := 0
	for _, p := range pts {
		top = max(top, p.Counts.Total())
	}
	step, yMax := niceScale(top)
	yAxis(&b, step, yMax, "findings")
	slot := float64(plotWidth) / float64(len(pts))
	barW := math.Min(slot*0.7, 48)
	every := int(math.Ceil(float64(len(pts)) / 8))
	for i, p := range pts {
		cx := plotLeft + slot*(float64(i)+0.5)
		fmt.Fprintf(&b, `<g class="audit"><title>%s: %s</title>`, esc(fmtTime(p.Time)), esc(countsText(p.Counts)))
		y := float64(plotBottom)
		for _, sev := range severityOrder {
			n := countOf(p.Counts, sev)
			if n == 0 {
				continue
			}
			h := float64(n) / float64(yMax) * plotHeight
			y -= h
			fmt.Fprintf(&b, `<rect class="bar sev-%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`,
				sev, cx-barW/2, y, barW, h, severityColor[sev])
		}
		b.WriteString("</g>")
		// Labels count back from the latest audit, so it is always
		// labelled and no two labels crowd each other.
		if (len(pts)-1-i)%every == 0 {
			label := p.Time.UTC().Format("Jan 2")
			if len(pts) == 1 {
				label = p.Time.UTC().Format("2006-01-02")
			}
			fmt.Fprintf(&b, `<text class="xlabel" x="%.1f" y="%d" text-anchor="middle">%s</text>`, cx, plotBottom+16, esc(label))
		}
	}
	fmt.Fprintf(&b, `<text class="axis-title" x="%d" y="%d" text-anchor="middle">audit (UTC date)</text>`, plotLeft+plotWidth/2, chartH-8)
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// ageBuckets are the image age distribution's bars; an age of exactly a
// boundary falls in the older bucket ("30–90d" holds 30).
var ageBuckets = []struct {
	Label, Long string
	Below       int // days; 0 for the open-ended and unknown buckets
	Color       string
}{
	{"<30d", "under 30 days", 30, "#15803d"},
	{"30–90d", "30 to 90 days", 90, "#65a30d"},
	{"90–180d", "90 to 180 days", 180, "#ca8a04"},
	{"180–365d", "180 to 365 days", 365, "#ea580c"},
	{"≥365d", "365 days or more", 0, "#b91c1c"},
	{"unknown", "unknown age", 0, "#9ca3af"},
}

// ageCounts counts the report's images per age bucket.
func ageCounts(rep *Report) []int {
	counts := make([]int, len(ageBuckets))
	now := reportNow(rep)
	for _, img := range rep.Images {
		days, ok := imageAgeDays(img, now)
		if !ok {
			counts[len(ageBuckets)-1]++
			continue
		}
		i := 0
		for i < len(ageBuckets)-2 && days >= ageBuckets[i].Below {
			i++
		}
		counts[i]++
	}
	return counts
}

// ageChart draws how many running images fall in each age bucket; each
// bucket is one <g class="bucket"> holding one bar, its count and its label.
func ageChart(rep *Report) template.HTML {
	counts := ageCounts(rep)
	parts := make([]string, len(counts))
	for i, n := range counts {
		parts[i] = fmt.Sprintf("%s: %d", ageBuckets[i].Long, n)
	}
	var b strings.Builder
	svgOpen(&b, "age-chart", "Image age distribution",
		fmt.Sprintf("%s by age since build: %s.", countNoun(len(rep.Images), "running image", "running images"), strings.Join(parts, ", ")))
	step, yMax := niceScale(slices.Max(counts))
	yAxis(&b, step, yMax, "images")
	slot := float64(plotWidth) / float64(len(counts))
	barW := slot * 0.6
	for i, n := range counts {
		cx := plotLeft + slot*(float64(i)+0.5)
		h := float64(n) / float64(yMax) * plotHeight
		fmt.Fprintf(&b, `<g class="bucket"><title>%s</title>`, esc(parts[i]))
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`,
			cx-barW/2, plotBottom-h, barW, h, ageBuckets[i].Color)
		fmt.Fprintf(&b, `<text class="count" x="%.1f" y="%.1f" text-anchor="middle">%d</text>`, cx, plotBottom-h-4, n)
		fmt.Fprintf(&b, `<text class="xlabel" x="%.1f" y="%d" text-anchor="middle">%s</text></g>`, cx, plotBottom+16, esc(ageBuckets[i].Label))
	}
	fmt.Fprintf(&b, `<text class="axis-title" x="%d" y="%d" text-anchor="middle">age since the image was built</text>`, plotLeft+plotWidth/2, chartH-8)
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

func svgOpen(b *strings.Builder, id, title, desc string) {
	fmt.Fprintf(b, `<svg id="%s" class="chart" role="img" viewBox="0 0 %d %d" aria-labelledby="%s-title %s-desc">`,
		id, chartW, chartH, id, id)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
}

// legend names each severity beside its colour, above the plot, so the
// chart reads in black and white too (the order is the stacking order).
func legend(b *strings.Builder) {
	x := plotLeft
	for _, sev := range severityOrder {
		fmt.Fprintf(b, `<g class="legend"><rect x="%d" y="12" width="12" height="12" fill="%s"/><text x="%d" y="22">%s</text></g>`,
			x, severityColor[sev], x+16, sev)
		x += 26 + 8*len(sev)
	}
	fmt.Fprintf(b, `<text class="legend-note" x="%d" y="22" text-anchor="end">bottom to top</text>`, plotRight)
}

// yAxis draws the axis lines, a grid line and label per step, and the
// axis title.
func yAxis(b *strings.Builder, step, yMax int, title string) {
	for v := 0; v <= yMax; v += step {
		y := plotBottom - float64(v)/float64(yMax)*plotHeight
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, plotLeft, plotRight, y, y)
		fmt.Fprintf(b, `<text class="ylabel" x="%d" y="%.1f" text-anchor="end">%d</text>`, plotLeft-6, y+4, v)
	}
	fmt.Fprintf(b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, plotLeft, plotLeft, plotTop, plotBottom)
	fmt.Fprintf(b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, plotLeft, plotRight, plotBottom, plotBottom)
	fmt.Fprintf(b, `<text class="axis-title" transform="translate(14 %d) rotate(-90)" text-anchor="middle">%s</text>`,
		plotTop+plotHeight/2, esc(title))
}

func noData(b *strings.Builder, msg string) {
	fmt.Fprintf(b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, plotLeft, plotRight, plotBottom, plotBottom)
	fmt.Fprintf(b, `<text class="nodata" x="%d" y="%d" text-anchor="middle">%s</text>`, plotLeft+plotWidth/2, plotTop+plotHeight/2, esc(msg))
}

// niceScale picks a step of 1, 2 or 5 times a power of ten that cuts
// [0, top] into at most 5 steps, and the axis maximum, a multiple of it
// (at least one step, so an empty chart still has a scale).
func niceScale(top int) (step, yMax int) {
	step = 1
	for i := 0; top > step*5; i++ {
		if i%3 == 1 {
			step = step / 2 * 5 // 2 → 5
		} else {
			step *= 2 // 1 → 2, 5 → 10
		}
	}
	yMax = max(step, (top+step-1)/step*step)
	return step, yMax
}

func countsText(c Counts) string {
	return fmt.Sprintf("%d critical, %d high, %d medium, %d low, %d unknown (%d in all)",
		c.Critical, c.High, c.Medium, c.Low, c.Unknown, c.Total())
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// sortedHistory is the history table's rows: newest first.
func sortedHistory(h []HistoryPoint) []HistoryPoint {
	pts := slices.Clone(h)
	slices.SortStableFunc(pts, func(a, b HistoryPoint) int { return b.Time.Compare(a.Time) })
	return pts
}
