package fleet

import (
	"strings"
	"testing"
)

// unescapedPipes counts the pipes GitHub reads as cell borders in a table
// line: those not escaped by a backslash.
func unescapedPipes(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++ // the next byte is escaped
		case '|':
			n++
		}
	}
	return n
}

// TestMarkdownEscapesCells gives a summary and a workload hostile
// Markdown: a pipe and a newline that would end the cell or the row, a
// link, raw HTML, emphasis and code.
func TestMarkdownEscapesCells(t *testing.T) {
	rep := fullReport()
	rep.New[1].Summary = "a | b\nc [x](javascript:alert(1)) <img src=x> *bold* `code` &amp;"
	rep.New[1].Workloads = []Workload{{Kind: "Deployment", Namespace: "prod", Name: "w|eb"}}
	out := writeString(t, rep, "markdown")
	var row string
	for l := range strings.SplitSeq(out, "\n") {
		if strings.Contains(l, "CVE-2026-1111") && strings.HasPrefix(l, "|") {
			row = l // the new vulnerabilities' table comes first
			break
		}
	}
	if row == "" {
		t.Fatalf("no table row for CVE-2026-1111:\n%s", out)
	}
	if got, want := unescapedPipes(row), 7; got != want {
		t.Errorf("row has %d cell borders, want %d (6 columns): %s", got, want, row)
	}
	for _, want := range []string{
		`a \| b<br>c \[x\](javascript:alert(1)) \<img src=x\> \*bold\* \` + "`code\\` " + `\&amp;`,
		`Deployment prod/w\|eb`,
	} {
		if !strings.Contains(row, want) {
			t.Errorf("row lacks %q:\n%s", want, row)
		}
	}
	if strings.Count(out, "<br>") != 1 {
		t.Errorf("want one <br> (the summary's newline), got %d", strings.Count(out, "<br>"))
	}
}

func TestMarkdownSections(t *testing.T) {
	out := writeString(t, fullReport(), "markdown")
	last := -1
	for _, h := range []string{"# drydock fleet audit\n", "\n## New since the previous audit\n", "\n## Totals\n", "\n## Images\n", "\n## Rematch\n",
		"\n## Staleness\n", "\n## Unknown origin\n", "\n## Sprawl\n", "\n## Update plan\n", "\n## History\n"} {
		i := strings.Index(out, h)
		if i <= last {
			t.Errorf("heading %q at %d, after the previous one at %d", h, i, last)
		}
		last = i
	}
	for _, want := range []string{
		"| Severity | ID | Fix | Packages | Workloads | Summary |\n|---|---|---|---|---|---|\n" +
			"| **critical** | CVE-2026-1111 (GHSA-aaaa-bbbb-cccc) | yes | libfoo 1.2.3 | Deployment prod/web |",
		"| medium | GHSA-medi-umum-0001 | no | github.com/jackc/pgx/v5 5.0.0 | StatefulSet prod/db |",
		"| 1 | 1 | 1 | 1 | 0 | 4 | 2 |",
		"| reg.example.com/team/web | `" + fmtDigest(dWeb) + "` | 400 days | over 90d | `" + fmtDigest(dWebNew) + "` | 35 days |",
		"| Deployment prod/web | web | `" + fmtDigest(dWeb) + "` | `" + fmtDigest(dWebNew) + "` | CVE-2026-1111 | apply failed: rollout timed out |",
		"```sh\nkubectl -n prod set image deployment/web web=reg.example.com/team/web@" + string(dWebNew) + "\n```\n",
		"Resolved since the previous audit: CVE-2025-9999.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	empty := writeString(t, &Report{}, "markdown")
	for _, want := range []string{"Nothing new: this is the first audit.", "No running images.", "No image of unknown origin."} {
		if !strings.Contains(empty, want) {
			t.Errorf("empty markdown lacks %q:\n%s", want, empty)
		}
	}
	if strings.Contains(empty, "```") {
		t.Error("empty markdown has a code block with no commands")
	}
}

func TestMarkdownFence(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{[]string{"kubectl set image"}, "```"},
		{[]string{"echo ```", "a ```` b"}, "`````"},
	} {
		if got := mdFence(tc.lines); got != tc.want {
			t.Errorf("mdFence(%q) = %q, want %q", tc.lines, got, tc.want)
		}
	}
	if got, want := mdCode("a`b|c"), "a\\`b\\|c"; got != want {
		t.Errorf("mdCode with a backtick = %q, want %q", got, want)
	}
	if got, want := mdCode("reg/app|x"), "`reg/app\\|x`"; got != want {
		t.Errorf("mdCode = %q, want %q", got, want)
	}
}
