package fleet

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
)

// The table, Markdown and HTML formats all draw the same view of a Report,
// built here once, so they never disagree about what a section says or
// in which order; each only decides how a cell looks.

// cellKind says how a format may dress a cell; its text is the same in all.
type cellKind uint8

const (
	kindText     cellKind = iota
	kindDigest            // Text is the short digest, Full the whole one
	kindCode              // a reference, shown as code
	kindSeverity          // one of severityOrder
)

// viewCell is one table cell: a value, or a list of values (Items).
type viewCell struct {
	Text  string
	Full  string
	Kind  cellKind
	Items []viewCell
}

// viewSection is one part of the report: sentences, then a table, then
// notes and commands. Empty is said instead of the table when it has no
// rows.
type viewSection struct {
	ID    string // HTML anchor
	Title string
	Lead  []string
	Empty string
	Head  []string
	Rows  [][]viewCell
	Notes []string
	Code  []string // shell commands, one a line
}

// view is the whole report as the human formats show it.
type view struct {
	Title    string
	Meta     []string
	Sections []viewSection
}

func textCell(s string) viewCell { return viewCell{Text: cleanText(s)} }

func digestCell(d digest.Digest) viewCell {
	if d == "" {
		return viewCell{Text: "-"}
	}
	return viewCell{Text: fmtDigest(d), Full: cleanText(string(d)), Kind: kindDigest}
}

func codeCell(s string) viewCell { return viewCell{Text: cleanText(s), Kind: kindCode} }

func intCell(n int) viewCell { return viewCell{Text: strconv.Itoa(n)} }

func listCell(items []viewCell) viewCell {
	if len(items) == 0 {
		return viewCell{Text: "-"}
	}
	return viewCell{Items: items}
}

func workloadsCell(ws []Workload) viewCell {
	items := make([]viewCell, len(ws))
	for i, w := range ws {
		items[i] = textCell(w.String())
	}
	return listCell(items)
}

func digestsCell(ds []digest.Digest) viewCell {
	items := make([]viewCell, len(ds))
	for i, d := range ds {
		items[i] = digestCell(d)
	}
	return listCell(items)
}

func textsCell(ss []string, kind cellKind) viewCell {
	items := make([]viewCell, len(ss))
	for i, s := range ss {
		items[i] = viewCell{Text: cleanText(s), Kind: kind}
	}
	return listCell(items)
}

// reportNow is the time the report speaks of: when the audit finished,
// else when it started, else now.
func reportNow(rep *Report) time.Time {
	switch {
	case !rep.Finished.IsZero():
		return rep.Finished
	case !rep.Started.IsZero():
		return rep.Started
	}
	return time.Now()
}

// imageAgeDays is an image's age in days, from its staleness or else its
// config's created time; false when neither says.
func imageAgeDays(img *Image, now time.Time) (int, bool) {
	if s := img.Staleness; s != nil && s.AgeDays >= 0 {
		return s.AgeDays, true
	}
	if img.Created != nil && !img.Created.IsZero() {
		return max(0, int(now.Sub(*img.Created).Hours()/24)), true
	}
	return 0, false
}

func buildView(rep *Report) *view {
	v := &view{Title: "drydock fleet audit"}
	audit := "Audit"
	if rep.ID != 0 {
		audit = fmt.Sprintf("Audit %d", rep.ID)
	}
	if !rep.Finished.IsZero() {
		audit += " finished " + fmtTime(rep.Finished)
		if !rep.Started.IsZero() && rep.Finished.After(rep.Started) {
			took := rep.Finished.Sub(rep.Started)
			if took >= time.Second {
				took = took.Round(time.Second)
			} else {
				took = took.Round(time.Millisecond)
			}
			audit += fmt.Sprintf(" (took %s)", took)
		}
	} else if !rep.Started.IsZero() {
		audit += " started " + fmtTime(rep.Started)
	}
	v.Meta = append(v.Meta, audit+".")
	if len(rep.Sources) == 0 {
		v.Meta = append(v.Meta, "Sources: none.")
	} else {
		srcs := make([]string, len(rep.Sources))
		for i, s := range rep.Sources {
			srcs[i] = oneLine(cleanText(s))
		}
		v.Meta = append(v.Meta, "Sources: "+strings.Join(srcs, "; ")+".")
	}
	if rep.Previous != nil {
		v.Meta = append(v.Meta, "Previous audit: "+fmtTime(*rep.Previous)+".")
	} else {
		v.Meta = append(v.Meta, "Previous audit: none, this is the first.")
	}
	if !rep.DatabaseBuilt.IsZero() {
		v.Meta = append(v.Meta, "Vulnerability database built "+fmtTime(rep.DatabaseBuilt)+".")
	}
	v.Sections = []viewSection{
		newSection(rep), totalsSection(rep), imagesSection(rep), rematchSection(rep), stalenessSection(rep),
		unknownOriginSection(rep), sprawlSection(rep), planSection(rep), historySection(rep),
	}
	return v
}

func newSection(rep *Report) viewSection {
	s := viewSection{ID: "new", Title: "New since the previous audit",
		Head: []string{"Severity", "ID", "Fix", "Packages", "Workloads", "Summary"}}
	// The lead explains the rows; with none, Empty says it all.
	if rep.Previous != nil {
		s.Empty = "Nothing new since the previous audit of " + fmtTime(*rep.Previous) + "."
		if len(rep.New) > 0 {
			s.Lead = []string{"Vulnerabilities that affect running images now and did not at the audit of " + fmtTime(*rep.Previous) + "."}
		}
	} else {
		s.Empty = "Nothing new: this is the first audit."
		if len(rep.New) > 0 {
			s.Lead = []string{"This is the first audit: there is no previous audit to compare with."}
		}
	}
	nv := slices.Clone(rep.New)
	slices.SortStableFunc(nv, func(a, b NewVulnerability) int { return cmp.Compare(sevRank(a.Severity), sevRank(b.Severity)) })
	for _, n := range nv {
		id := n.ID
		if len(n.Aliases) > 0 {
			id += " (" + strings.Join(n.Aliases, ", ") + ")"
		}
		fix := "no"
		if n.FixAvailable {
			fix = "yes"
		}
		hit := workloadsCell(n.Workloads)
		if len(n.Workloads) == 0 {
			hit = digestsCell(n.Images)
		}
		s.Rows = append(s.Rows, []viewCell{
			{Text: sevName(n.Severity), Kind: kindSeverity}, textCell(id), {Text: fix},
			textsCell(n.Packages, kindText), hit, textCell(n.Summary),
		})
	}
	if len(rep.Resolved) > 0 {
		ids := make([]string, len(rep.Resolved))
		for i, id := range rep.Resolved {
			ids[i] = oneLine(cleanText(id))
		}
		s.Notes = append(s.Notes, "Resolved since the previous audit: "+strings.Join(ids, ", ")+".")
	}
	return s
}

func totalsSection(rep *Report) viewSection {
	s := viewSection{ID: "totals", Title: "Totals",
		Head: []string{"Critical", "High", "Medium", "Low", "Unknown", "Total", "Fixable"}}
	workloads := map[string]bool{}
	for _, r := range rep.Running {
		workloads[r.Environment+"\x00"+r.Workload.String()] = true
	}
	fixable := 0
	for _, img := range rep.Images {
		fixable += img.Fixable
	}
	s.Lead = []string{fmt.Sprintf("%s in %s run %s.", countNoun(len(rep.Running), "container", "containers"),
		countNoun(len(workloads), "workload", "workloads"), countNoun(len(rep.Images), "distinct image", "distinct images"))}
	c := rep.Counts
	s.Rows = [][]viewCell{{intCell(c.Critical), intCell(c.High), intCell(c.Medium), intCell(c.Low),
		intCell(c.Unknown), intCell(c.Total()), intCell(fixable)}}
	failed := 0
	for _, img := range rep.Images {
		if img.Error != "" {
			failed++
		}
	}
	if failed > 0 {
		s.Notes = []string{fmt.Sprintf("%s could not be cataloged and will be tried again at the next audit (see Images).",
			countNoun(failed, "image", "images"))}
	}
	return s
}

func rematchSection(rep *Report) viewSection {
	m := rep.Rematch
	s := viewSection{ID: "rematch", Title: "Rematch",
		Head: []string{"Images", "Cataloged", "Re-evaluated", "Unchanged"},
		Rows: [][]viewCell{{intCell(m.Images), intCell(m.Cataloged), intCell(m.Reevaluated), intCell(m.NotReevaluated)}}}
	if m.Since.IsZero() {
		s.Lead = []string{"No earlier database mark: every image was matched in full."}
	} else {
		s.Lead = []string{fmt.Sprintf("%s modified since %s, touching %s; only images with those packages were matched again.",
			countNoun(m.ChangedRecords, "database record", "database records"), fmtTime(m.Since),
			countNoun(m.ChangedNames, "package name", "package names"))}
	}
	return s
}

// imageName is how a section names an image: its repository, else its
// first reference.
func imageName(img *Image) string {
	switch {
	case img.Repository != "":
		return oneLine(cleanText(img.Repository))
	case len(img.Refs) > 0:
		return oneLine(cleanText(img.Refs[0]))
	}
	return "(no reference)"
}

func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
