package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

// Digests of the hand-built report, named for what they are.
var (
	dWeb     = digest.FromString("web v1")
	dWebNew  = digest.FromString("web v2")
	dDB      = digest.FromString("db")
	dNginx   = digest.FromString("nginx")
	dBatch   = digest.FromString("batch")
	dBaseOld = digest.FromString("debian 12 old")
	dBaseNew = digest.FromString("debian 12 new")
)

var (
	auditStart = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	web        = Workload{Kind: "Deployment", Namespace: "prod", Name: "web"}
	db         = Workload{Kind: "StatefulSet", Namespace: "prod", Name: "db"}
	proxy      = Workload{Kind: "Deployment", Namespace: "prod", Name: "proxy"}
	canary     = Workload{Kind: "Deployment", Namespace: "prod", Name: "web-canary"}
)

// fullReport fills every section. New lists the medium vulnerability
// before the critical one, so a format that does not put the most severe
// first is caught.
func fullReport() *Report {
	prev := auditStart.Add(-24 * time.Hour)
	created := func(days int) *time.Time { t := auditStart.Add(-time.Duration(days) * 24 * time.Hour); return &t }
	newerAt := auditStart.Add(-35 * 24 * time.Hour)
	return &Report{
		ID: 7, Started: auditStart, Finished: auditStart.Add(4 * time.Second),
		Sources:       []string{"kubernetes context prod", "inventory production.yaml"},
		Previous:      &prev,
		DatabaseBuilt: auditStart.Add(-6 * time.Hour),
		Running: []Running{
			{Environment: "prod", Workload: web, Pod: "web-1", Container: "web", Image: "reg.example.com/team/web:1.4", Digest: dWeb},
			{Environment: "prod", Workload: web, Pod: "web-2", Container: "web", Image: "reg.example.com/team/web:1.4", Digest: dWeb},
			{Environment: "prod", Workload: db, Pod: "db-0", Container: "db", Image: "reg.example.com/team/db:16", Digest: dDB},
			{Environment: "prod", Workload: proxy, Pod: "proxy-1", Container: "nginx", Image: "nginx:1.27", Digest: dNginx},
			{Environment: "prod", Workload: Workload{Kind: "CronJob", Namespace: "prod", Name: "batch"}, Container: "batch", Image: "reg.example.com/team/batch:3", Digest: dBatch},
		},
		Images: []*Image{
			{Digest: dDB, Refs: []string{"reg.example.com/team/db:16"}, Repository: "reg.example.com/team/db", Workloads: []Workload{db},
				Created: created(45), Packages: 90, Counts: Counts{Medium: 1}, Verdict: "pass", Private: true,
				Staleness: &Staleness{AgeDays: 45, MaxAgeDays: 90}},
			{Digest: dWeb, Refs: []string{"reg.example.com/team/web:1.4"}, Repository: "reg.example.com/team/web", Workloads: []Workload{web},
				Created: created(400), Packages: 210, Counts: Counts{Critical: 1, High: 1}, Fixable: 2, Verdict: "pass", Private: true,
				Staleness: &Staleness{AgeDays: 400, MaxAgeDays: 90, OverMaxAge: true, NewerPassing: dWebNew, NewerPassingAt: &newerAt, DaysBehind: 35,
					Base: &Base{Repository: "reg.example.com/base/debian", Tag: "12", Digest: dBaseOld, Current: dBaseNew, MovedOn: true}, Fixable: 2}},
			// No staleness (not from the private registry): its age comes from Created.
			{Digest: dNginx, Refs: []string{"nginx:1.27"}, Repository: "docker.io/library/nginx", Workloads: []Workload{proxy},
				Created: created(200), Packages: 140, Counts: Counts{Low: 1}},
			{Digest: dBatch, Refs: []string{"reg.example.com/team/batch:3"}, Repository: "reg.example.com/team/batch",
				Error: "pulling: manifest unknown"},
		},
		Counts: Counts{Critical: 1, High: 1, Medium: 1, Low: 1},
		New: []NewVulnerability{
			{ID: "GHSA-medi-umum-0001", Severity: "medium", Summary: "Timing leak \x1b[31min\x1b[0m compare",
				Packages: []string{"github.com/jackc/pgx/v5 5.0.0"}, Images: []digest.Digest{dDB}, Workloads: []Workload{db}},
			{ID: "CVE-2026-1111", Aliases: []string{"GHSA-aaaa-bbbb-cccc"}, Severity: "critical",
				Summary: "Heap overflow in libfoo | parser\nsecond line", Packages: []string{"libfoo 1.2.3"},
				FixAvailable: true, Images: []digest.Digest{dWeb}, Workloads: []Workload{web}},
		},
		Resolved: []string{"CVE-2025-9999"},
		UnknownOrigin: []UnknownOrigin{{Digest: dNginx, Refs: []string{"nginx:1.27"}, Workloads: []Workload{proxy},
			Reasons: []string{"not from the private registry", "no drydock verdict"}}},
		Sprawl: Sprawl{Images: 4, Repositories: 4, BaseImages: 2, Share: []ShareGroup{{Kind: "repository",
			Repository: "reg.example.com/team/web", Digests: []digest.Digest{dWeb, dWebNew}, Workloads: []Workload{web, canary}}}},
		Plan: []PlanStep{{Workload: web, Container: "web", Current: dWeb, Target: dWebNew,
			TargetRef: "reg.example.com/team/web@" + string(dWebNew), Removes: []string{"CVE-2026-1111"},
			Command:    "kubectl -n prod set image deployment/web web=reg.example.com/team/web@" + string(dWebNew),
			ApplyError: "rollout timed out"}},
		History: []HistoryPoint{
			{Time: auditStart.Add(-48 * time.Hour), Images: 3, Counts: Counts{High: 1, Low: 2}},
			{Time: auditStart.Add(-24 * time.Hour), Images: 4, Counts: Counts{High: 1, Low: 1}, New: 1},
			{Time: auditStart, Images: 4, Counts: Counts{Critical: 1, High: 1, Medium: 1, Low: 1}, New: 2},
		},
		Rematch: RematchCounts{Since: prev, ChangedRecords: 12, ChangedNames: 7, Images: 4, Cataloged: 1, Reevaluated: 2, NotReevaluated: 1},
	}
}

func writeString(t *testing.T, rep *Report, format string) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, rep, format); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return b.String()
}

func TestWriteUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, fullReport(), "sarif")
	var in interface{ InvalidInput() bool }
	if !errors.As(err, &in) || !in.InvalidInput() {
		t.Fatalf("Write(sarif) = %v, want an error with InvalidInput() true", err)
	}
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("error %v does not wrap ErrUnknownFormat", err)
	}
	for _, f := range Formats {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name format %q", err, f)
		}
	}
	if err := Write(&bytes.Buffer{}, nil, "json"); err == nil {
		t.Error("Write(nil report) = nil, want an error")
	}
	if out := writeString(t, fullReport(), " Markdown "); !strings.HasPrefix(out, "# drydock fleet audit") {
		t.Errorf("format name is not read case-insensitively: %.40q", out)
	}
}

// TestWriteLeadsWithNew checks that every human format shows the new
// vulnerabilities first, most severe first, before the totals.
func TestWriteLeadsWithNew(t *testing.T) {
	totals := map[string]string{"table": "\nTOTALS\n", "markdown": "\n## Totals\n", "html": `<section id="totals"`}
	for format, marker := range totals {
		out := writeString(t, fullReport(), format)
		crit := strings.Index(out, "CVE-2026-1111")
		med := strings.Index(out, "GHSA-medi-umum-0001")
		end := strings.Index(out, marker)
		if crit < 0 || med < 0 || end < 0 || !(crit < med && med < end) {
			t.Errorf("%s: critical at %d, medium at %d, totals at %d; want critical < medium < totals", format, crit, med, end)
		}
		if strings.Contains(out, "Nothing new") {
			t.Errorf("%s says nothing is new", format)
		}
		if !strings.Contains(out, "CVE-2025-9999") {
			t.Errorf("%s does not name the resolved vulnerability", format)
		}
	}
}

func TestTable(t *testing.T) {
	out := writeString(t, fullReport(), "table")
	if strings.ContainsAny(out, "\x1b\t\r") {
		t.Errorf("table holds escape, tab or carriage-return characters:\n%s", out)
	}
	if strings.Contains(out, dWeb.Encoded()) {
		t.Errorf("table shows a whole digest outside the plan's commands")
	}
	for _, want := range []string{
		"Audit 7 finished 2026-11-30 12:00 UTC (took 4s).",
		"Previous audit: 2026-11-29 12:00 UTC.",
		"critical  CVE-2026-1111 (GHSA-aaaa-bbbb-cccc)",
		"Heap overflow in libfoo | parser second line",
		"Timing leak [31min [0m compare", // the escape sequence's ESC is gone
		"5 containers in 4 workloads run 4 distinct images.",
		"1 image could not be cataloged and will be tried again at the next audit (see Images).",
		"reg.example.com/team/web:1.4  " + fmtDigest(dWeb) + "  Deployment prod/web    210       1 critical, 1 high",
		"not cataloged: pulling: manifest unknown",
		"12 database records modified since 2026-11-29 12:00 UTC, touching 7 package names",
		"1 of 4 images have a newer passing build; 1 built on a base image that moved on; 1 older than the policy's maxAge of 90 days.",
		"400 days", "over 90d", "within 90d", "35 days", "200 days",
		"moved on: reg.example.com/base/debian:12 " + fmtDigest(dBaseOld) + " → " + fmtDigest(dBaseNew),
		"not from the private registry, no drydock verdict",
		"4 distinct images from 4 repositories, on 2 base images.",
		"same repository", "Deployment prod/web, Deployment prod/web-canary",
		"apply failed: rollout timed out",
		"    kubectl -n prod set image deployment/web web=reg.example.com/team/web@" + string(dWebNew),
		"HISTORY\n  AUDIT                 IMAGES  NEW  CRITICAL  HIGH  MEDIUM  LOW  UNKNOWN  TOTAL\n" +
			"  2026-11-30 12:00 UTC  4       2    1         1     1       1    0        4\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// Columns line up: each value of the new vulnerabilities' table
	// starts where its head does.
	lines := strings.Split(out, "\n")
	var head, row string
	for i, l := range lines {
		if strings.HasPrefix(l, "  SEVERITY") {
			head, row = l, lines[i+1]
			break
		}
	}
	for _, col := range []struct{ head, value string }{{"ID", "CVE-2026-1111"}, {"FIX", "yes"}, {"PACKAGES", "libfoo 1.2.3"}, {"SUMMARY", "Heap"}} {
		if h, v := strings.Index(head, " "+col.head), strings.Index(row, " "+col.value); h < 0 || h != v {
			t.Errorf("column %s starts at %d in %q, its value at %d in %q", col.head, h, head, v, row)
		}
	}
	stale := strings.Index(out, reportLine(out, "reg.example.com/team/web "))
	if fresh := strings.Index(out, reportLine(out, "reg.example.com/team/db ")); stale < 0 || fresh < stale {
		t.Errorf("staleness lists the image over maxAge (at %d) after the fresh one (at %d)", stale, fresh)
	}
}

// reportLine is the first line of out that starts, after indent, with
// prefix.
func reportLine(out, prefix string) string {
	for l := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return l
		}
	}
	return "\x00 no line " + prefix
}

// TestTableEmpty checks every empty section says so plainly, at a first
// audit and at a later one.
func TestTableEmpty(t *testing.T) {
	out := writeString(t, &Report{}, "table")
	for _, want := range []string{
		"Previous audit: none, this is the first.",
		"Nothing new: this is the first audit.",
		"0 containers in 0 workloads run 0 distinct images.",
		"No earlier database mark: every image was matched in full.",
		"No running images.", "No image of unknown origin.", "No workloads that could share one image.",
		"No update planned",
		"No audit history yet.",
		"Sources: none.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("empty table lacks %q:\n%s", want, out)
		}
	}
	prev := auditStart.Add(-time.Hour)
	out = writeString(t, &Report{Previous: &prev, Finished: auditStart}, "table")
	if want := "Nothing new since the previous audit of 2026-11-30 11:00 UTC."; !strings.Contains(out, want) {
		t.Errorf("table lacks %q:\n%s", want, out)
	}
}

func TestWriteJSONRoundTrip(t *testing.T) {
	rep := fullReport()
	out := writeString(t, rep, "json")
	var got Report
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("json does not decode into a Report: %v", err)
	}
	if !reflect.DeepEqual(&got, rep) {
		t.Errorf("round trip changed the report:\ngot  %+v\nwant %+v", got, *rep)
	}
	if again := writeString(t, &got, "json"); again != out {
		t.Error("writing the decoded report again gives different bytes")
	}
	if !strings.Contains(out, "\n  \"new\": [\n") || !strings.Contains(out, "Heap overflow in libfoo | parser\\nsecond line") {
		t.Errorf("json is not indented, or escapes the summary beyond JSON's rules:\n%s", out)
	}
}
