package fleet

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

func parseHTML(t *testing.T, out string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("parsing the HTML report: %v", err)
	}
	return doc
}

// nodes lists the elements under n, in document order, that match.
func nodes(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}

func tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == name }
}

func byID(t *testing.T, doc *html.Node, id string) *html.Node {
	t.Helper()
	found := nodes(doc, func(n *html.Node) bool { return attr(n, "id") == id })
	if len(found) != 1 {
		t.Fatalf("%d elements with id %q, want 1", len(found), id)
	}
	return found[0]
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// TestHTMLSelfContained checks the file loads nothing: no element that
// fetches or runs anything, no reference outside the page, and a
// Content-Security-Policy that forbids it anyway.
func TestHTMLSelfContained(t *testing.T) {
	for name, rep := range map[string]*Report{"full": fullReport(), "empty": {}} {
		doc := parseHTML(t, writeString(t, rep, "html"))
		forbidden := []string{"script", "link", "img", "iframe", "object", "embed", "base", "form", "audio", "video", "source", "use", "image", "foreignObject"}
		for _, n := range nodes(doc, func(*html.Node) bool { return true }) {
			if slices.Contains(forbidden, n.Data) {
				t.Errorf("%s: <%s> element", name, n.Data)
			}
			for _, a := range n.Attr {
				v := strings.ToLower(a.Val)
				switch {
				case a.Key == "href" && !strings.HasPrefix(a.Val, "#"):
					t.Errorf("%s: <%s href=%q> leaves the page", name, n.Data, a.Val)
				case slices.Contains([]string{"src", "srcset", "action", "formaction", "poster", "data", "background", "ping"}, a.Key):
					t.Errorf("%s: <%s %s=%q>", name, n.Data, a.Key, a.Val)
				case strings.HasPrefix(a.Key, "on"):
					t.Errorf("%s: event handler <%s %s=%q>", name, n.Data, a.Key, a.Val)
				case strings.Contains(v, "http:") || strings.Contains(v, "https:") || strings.Contains(v, "//"):
					t.Errorf("%s: <%s %s=%q> names a location", name, n.Data, a.Key, a.Val)
				}
			}
		}
		for _, st := range nodes(doc, tag("style")) {
			css := strings.ToLower(text(st))
			for _, bad := range []string{"url(", "@import", "http", "//"} {
				if strings.Contains(css, bad) {
					t.Errorf("%s: the stylesheet holds %q", name, bad)
				}
			}
		}
		csp := nodes(doc, func(n *html.Node) bool { return n.Data == "meta" && attr(n, "http-equiv") == "Content-Security-Policy" })
		if len(csp) != 1 || !strings.Contains(attr(csp[0], "content"), "default-src 'none'") {
			t.Errorf("%s: no Content-Security-Policy forbidding loads", name)
		}
	}
}

// TestHTMLEscapesHostileText puts markup in an advisory's summary, a
// workload's name and a source's description.
func TestHTMLEscapesHostileText(t *testing.T) {
	rep := fullReport()
	rep.New[1].Summary = "<script>alert(1)</script>"
	rep.New[1].Workloads = []Workload{{Kind: "Deployment", Namespace: "prod", Name: `"><img src=x onerror=alert(2)>`}}
	rep.Sources[0] = "<b>bold</b>"
	rep.Plan[0].Command = `kubectl set image x=<svg onload=alert(3)>`
	out := writeString(t, rep, "html")
	doc := parseHTML(t, out)
	for _, el := range []string{"script", "img", "b"} {
		if n := nodes(doc, tag(el)); len(n) > 0 {
			t.Errorf("hostile text became %d <%s> elements", len(n), el)
		}
	}
	if got := len(nodes(doc, tag("svg"))); got != 2 {
		t.Errorf("%d <svg> elements, want the 2 charts only", got)
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the summary is not escaped as text")
	}
	newText := text(byID(t, doc, "new"))
	for _, want := range []string{"<script>alert(1)</script>", `Deployment prod/"><img src=x onerror=alert(2)>`} {
		if !strings.Contains(newText, want) {
			t.Errorf("the new section does not read %q as text:\n%s", want, newText)
		}
	}
}

// TestHTMLCharts counts the charts' bars against the report's history and
// images, for many, one and no audits.
func TestHTMLCharts(t *testing.T) {
	rep := fullReport()
	doc := parseHTML(t, writeString(t, rep, "html"))
	sev := byID(t, doc, "sev-chart")
	if attr(sev, "role") != "img" || len(nodes(sev, tag("title"))) == 0 || len(nodes(sev, tag("desc"))) != 1 {
		t.Error("the severity chart has no role=img, title or description")
	}
	audits := nodes(sev, func(n *html.Node) bool { return n.Data == "g" && hasClass(n, "audit") })
	if len(audits) != len(rep.History) {
		t.Fatalf("severity chart: %d audits, want %d", len(audits), len(rep.History))
	}
	var heights []float64
	for i, g := range audits {
		want := 0
		for _, s := range severityOrder {
			if countOf(rep.History[i].Counts, s) > 0 {
				want++
			}
		}
		rects := nodes(g, tag("rect"))
		if len(rects) != want {
			t.Errorf("audit %d: %d bars, want %d (one per severity found)", i, len(rects), want)
		}
		sum := 0.0
		for _, r := range rects {
			h, _ := strconv.ParseFloat(attr(r, "height"), 64)
			sum += h
		}
		heights = append(heights, sum)
	}
	// Stacks are as tall as their totals: 3, 2 and 4 findings.
	if r := heights[2] / heights[0]; math.Abs(r-4.0/3) > 0.01 {
		t.Errorf("stack heights %v: last/first = %.3f, want 4/3", heights, r)
	}
	if got := text(audits[2]); !strings.Contains(got, "1 critical, 1 high, 1 medium, 1 low, 0 unknown") {
		t.Errorf("the latest audit's title reads %q", got)
	}

	age := byID(t, doc, "age-chart")
	buckets := nodes(age, func(n *html.Node) bool { return n.Data == "g" && hasClass(n, "bucket") })
	var counts, labels []string
	for _, b := range buckets {
		for _, tx := range nodes(b, tag("text")) {
			if hasClass(tx, "count") {
				counts = append(counts, text(tx))
			} else {
				labels = append(labels, text(tx))
			}
		}
	}
	// db is 45 days old, nginx 200 (from Created), web 400; batch says no time.
	if got, want := strings.Join(counts, " "), "0 1 0 1 1 1"; got != want {
		t.Errorf("age buckets count %q, want %q", got, want)
	}
	if got, want := strings.Join(labels, "|"), "<30d|30–90d|90–180d|180–365d|≥365d|unknown"; got != want {
		t.Errorf("age bucket labels %q, want %q", got, want)
	}

	for _, tc := range []struct {
		points  int
		want    int
		caption string
	}{{0, 0, ""}, {1, 1, ""}, {100, maxHistoryPoints, "(the latest 90 of 100)"}} {
		rep := fullReport()
		rep.History = nil
		for i := range tc.points {
			rep.History = append(rep.History, HistoryPoint{Time: auditStart.Add(time.Duration(i) * time.Hour), Counts: Counts{High: i + 1}})
		}
		doc := parseHTML(t, writeString(t, rep, "html"))
		sev := byID(t, doc, "sev-chart")
		got := nodes(sev, func(n *html.Node) bool { return n.Data == "g" && hasClass(n, "audit") })
		if len(got) != tc.want {
			t.Errorf("%d points: %d audits drawn, want %d", tc.points, len(got), tc.want)
		}
		if tc.points == 0 && !strings.Contains(text(sev), "No audits recorded yet.") {
			t.Error("an empty history does not say so")
		}
		if tc.points == 1 && !strings.Contains(text(sev), "2026-11-30") {
			t.Errorf("one audit is not labelled with its date: %q", text(sev))
		}
		if tc.points == 100 && !strings.Contains(text(got[len(got)-1]), "100 high") {
			t.Errorf("the last bar is not the latest audit: %q", text(got[len(got)-1]))
		}
		labels := nodes(sev, func(n *html.Node) bool { return n.Data == "text" && hasClass(n, "xlabel") })
		if tc.points > 0 && (len(labels) == 0 || len(labels) > 9) {
			t.Errorf("%d points: %d date labels, want 1 to 9", tc.points, len(labels))
		}
		if tc.points == 100 && text(labels[len(labels)-1]) != rep.History[99].Time.Format("Jan 2") {
			t.Errorf("the last date label is %q, not the latest audit's", text(labels[len(labels)-1]))
		}
		if tc.points == 100 {
			hist := byID(t, doc, "history")
			if rows := nodes(hist, tag("tr")); len(rows) != historyRows+1 || !strings.Contains(text(hist), "The latest 10 of 100 audits, newest first.") {
				t.Errorf("the history section has %d rows (header included) and reads %q", len(rows), text(hist))
			}
		}
		if tc.caption != "" && !strings.Contains(text(byID(t, doc, "severity-over-time")), tc.caption) {
			t.Errorf("%d points: the caption does not say %q", tc.points, tc.caption)
		}
	}
	reversed := slices.Clone(rep.History)
	slices.Reverse(reversed)
	if severityChart(reversed) != severityChart(rep.History) {
		t.Error("the chart depends on the history's order, not its times")
	}
}

// TestHTMLStructure checks the sections' order, the tables' headers and
// that an empty report says each section is empty.
func TestHTMLStructure(t *testing.T) {
	doc := parseHTML(t, writeString(t, fullReport(), "html"))
	var ids []string
	for _, s := range nodes(doc, tag("section")) {
		ids = append(ids, attr(s, "id"))
	}
	if got, want := strings.Join(ids, " "), "new totals images rematch staleness unknown-origin sprawl plan history"; got != want {
		t.Errorf("sections %q, want %q", got, want)
	}
	for i, tb := range nodes(doc, tag("table")) {
		ths := nodes(tb, tag("th"))
		if len(nodes(tb, tag("thead"))) != 1 || len(ths) == 0 {
			t.Errorf("table %d has no header row", i)
		}
		for _, th := range ths {
			if attr(th, "scope") != "col" {
				t.Errorf("table %d: <th>%s</th> has no scope", i, text(th))
			}
		}
	}
	if got := text(byID(t, doc, "plan")); !strings.Contains(got, "kubectl -n prod set image deployment/web") || !strings.Contains(got, "apply failed: rollout timed out") {
		t.Errorf("the plan section lacks its command or status:\n%s", got)
	}
	if got := attr(nodes(doc, func(n *html.Node) bool { return n.Data == "code" && text(n) == fmtDigest(dWeb) })[0], "title"); got != string(dWeb) {
		t.Errorf("a short digest's title is %q, want the whole digest", got)
	}

	empty := parseHTML(t, writeString(t, &Report{}, "html"))
	var said []string
	for _, p := range nodes(empty, func(n *html.Node) bool { return n.Data == "p" && hasClass(n, "empty") }) {
		said = append(said, text(p))
	}
	if got, want := len(said), 7; got != want || said[0] != "Nothing new: this is the first audit." {
		t.Errorf("empty report says %q, want %d empty sections led by the first-audit note", said, want)
	}
}

// TestHTMLExampleFile writes a whole report to a file, as `drydock audit
// --format html --output FILE` would, and reads it back.
// DRYDOCK_FLEET_HTML_DIR names a folder to keep a copy in, to look at.
func TestHTMLExampleFile(t *testing.T) {
	dirs := []string{t.TempDir()}
	if d := os.Getenv("DRYDOCK_FLEET_HTML_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, dir := range dirs {
		path := filepath.Join(dir, "fleet-report.html")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(f, fullReport(), "html"); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 64<<10 {
			t.Errorf("the example report is %d bytes; want it under 64 KiB", len(data))
		}
		doc := parseHTML(t, string(data))
		if got := text(nodes(doc, tag("h1"))[0]); got != "drydock fleet audit" {
			t.Errorf("h1 %q", got)
		}
		t.Log("wrote", path, fmt.Sprintf("(%d bytes)", len(data)))
	}
}
