package fleet

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
	"strconv"
)

// reportHTML is the HTML report's page: inline CSS, no script, and a
// Content-Security-Policy that forbids loading anything, so the file reads
// the same offline, attached to a ticket or printed.
//
//go:embed report.html.tmpl
var reportHTML string

var reportTemplate = template.Must(template.New("report.html.tmpl").Parse(reportHTML))

// htmlView is what the page template reads: the shared view, headline
// figures, the two charts and the audit history.
type htmlView struct {
	*view
	Cards         []htmlCard
	SeverityChart template.HTML
	AgeChart      template.HTML
	// HistoryShown is how many audits the severity chart shows, of
	// HistoryTotal.
	HistoryShown, HistoryTotal int
	History                    []htmlHistoryRow
}

// htmlCard is one headline figure at the top of the page.
type htmlCard struct {
	Label, Value, Class string
}

// htmlHistoryRow is the severity chart's data as a table row, for readers
// who cannot see the chart.
type htmlHistoryRow struct {
	Time                                        string
	Images, New                                 int
	Critical, High, Medium, Low, Unknown, Total int
}

// IsDigest, IsCode and IsSeverity tell the template how to dress a cell.
func (c viewCell) IsDigest() bool   { return c.Kind == kindDigest }
func (c viewCell) IsCode() bool     { return c.Kind == kindCode }
func (c viewCell) IsSeverity() bool { return c.Kind == kindSeverity }

// writeHTML writes the report as one self-contained HTML file. It is
// rendered whole before anything is written, so a failure leaves no half
// page behind.
func writeHTML(w io.Writer, rep *Report, v *view) error {
	hv := htmlView{
		view:          v,
		SeverityChart: severityChart(rep.History),
		AgeChart:      ageChart(rep),
		HistoryShown:  len(chartHistory(rep.History)),
		HistoryTotal:  len(rep.History),
	}
	over := 0
	for _, img := range rep.Images {
		if overMaxAge(img) {
			over++
		}
	}
	c := rep.Counts
	hv.Cards = []htmlCard{
		{"new since the previous audit", strconv.Itoa(len(rep.New)), "new"},
		{"critical", strconv.Itoa(c.Critical), "sev-critical"},
		{"high", strconv.Itoa(c.High), "sev-high"},
		{"medium", strconv.Itoa(c.Medium), "sev-medium"},
		{"low", strconv.Itoa(c.Low), "sev-low"},
		{"running images", strconv.Itoa(len(rep.Images)), ""},
		{"over max age", strconv.Itoa(over), ""},
		{"unknown origin", strconv.Itoa(len(rep.UnknownOrigin)), ""},
		{"updates planned", strconv.Itoa(len(rep.Plan)), ""},
	}
	if rep.Previous == nil {
		hv.Cards[0].Label = "new (first audit)"
	}
	// The table holds the audits the chart shows, newest first.
	for _, p := range sortedHistory(chartHistory(rep.History)) {
		hc := p.Counts
		hv.History = append(hv.History, htmlHistoryRow{Time: fmtTime(p.Time), Images: p.Images, New: p.New,
			Critical: hc.Critical, High: hc.High, Medium: hc.Medium, Low: hc.Low, Unknown: hc.Unknown, Total: hc.Total()})
	}
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, hv); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
