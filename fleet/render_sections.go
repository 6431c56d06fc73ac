package fleet

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// imagesSection lists every distinct running image, the most severe
// findings first.
func imagesSection(rep *Report) viewSection {
	s := viewSection{ID: "images", Title: "Images",
		Head:  []string{"Image", "Digest", "Workloads", "Packages", "Findings", "Fixable", "Verdict", "Registry"},
		Empty: "No running images."}
	imgs := slices.Clone(rep.Images)
	slices.SortStableFunc(imgs, func(a, b *Image) int {
		for _, sev := range severityOrder {
			if c := cmp.Compare(countOf(b.Counts, sev), countOf(a.Counts, sev)); c != 0 {
				return c
			}
		}
		return cmp.Compare(imageName(a), imageName(b))
	})
	for _, img := range imgs {
		findings := countsShort(img.Counts)
		if img.Error != "" {
			findings = "not cataloged: " + oneLine(cleanText(img.Error))
		}
		verdict := img.Verdict
		if verdict == "" {
			verdict = "none"
		}
		registry := "other"
		if img.Private {
			registry = "private"
		}
		refs := textsCell(img.Refs, kindCode)
		if len(img.Refs) == 0 {
			refs = textCell(imageName(img))
		}
		s.Rows = append(s.Rows, []viewCell{refs, digestCell(img.Digest), workloadsCell(img.Workloads), intCell(img.Packages),
			textCell(findings), intCell(img.Fixable), textCell(verdict), {Text: registry}})
	}
	return s
}

// countsShort names the non-zero counts, most severe first: "1 critical,
// 2 low"; "none" when there are none.
func countsShort(c Counts) string {
	var parts []string
	for _, sev := range severityOrder {
		if n := countOf(c, sev); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// historyRows bounds the history section; the HTML chart shows more.
const historyRows = 10

// historySection lists the latest audits' totals, newest first.
func historySection(rep *Report) viewSection {
	s := viewSection{ID: "history", Title: "History",
		Head:  []string{"Audit", "Images", "New", "Critical", "High", "Medium", "Low", "Unknown", "Total"},
		Empty: "No audit history yet."}
	pts := sortedHistory(rep.History)
	if len(pts) > historyRows {
		s.Lead = []string{fmt.Sprintf("The latest %d of %d audits, newest first.", historyRows, len(pts))}
		pts = pts[:historyRows]
	}
	for _, p := range pts {
		c := p.Counts
		s.Rows = append(s.Rows, []viewCell{{Text: fmtTime(p.Time)}, intCell(p.Images), intCell(p.New), intCell(c.Critical),
			intCell(c.High), intCell(c.Medium), intCell(c.Low), intCell(c.Unknown), intCell(c.Total())})
	}
	return s
}

// stalenessSection lists every running image, the most overdue first:
// over the policy's maxAge, then oldest, images of unknown age last.
func stalenessSection(rep *Report) viewSection {
	s := viewSection{ID: "staleness", Title: "Staleness",
		Head:  []string{"Image", "Digest", "Age", "Max age", "Newer passing", "Behind", "Base image", "Fixable"},
		Empty: "No running images."}
	now := reportNow(rep)
	imgs := slices.Clone(rep.Images)
	slices.SortStableFunc(imgs, func(a, b *Image) int {
		aa, aok := imageAgeDays(a, now)
		ba, bok := imageAgeDays(b, now)
		return cmp.Or(cmp.Compare(firstIf(overMaxAge(a)), firstIf(overMaxAge(b))), cmp.Compare(firstIf(aok), firstIf(bok)), cmp.Compare(ba, aa))
	})
	var over, newer, moved, maxAge int
	for _, img := range imgs {
		age := "unknown"
		if d, ok := imageAgeDays(img, now); ok {
			age = fmtDays(d)
		}
		maxAgeCell, newerCell, behind, base := "-", digestCell(""), "-", "unknown"
		fixable := img.Fixable
		if st := img.Staleness; st != nil {
			fixable = st.Fixable
			maxAgeCell = "none set"
			if st.MaxAgeDays > 0 {
				maxAge = st.MaxAgeDays
				maxAgeCell = fmt.Sprintf("within %dd", st.MaxAgeDays)
				if st.OverMaxAge {
					maxAgeCell = fmt.Sprintf("over %dd", st.MaxAgeDays)
					over++
				}
			}
			if st.NewerPassing != "" {
				newer++
				newerCell = digestCell(st.NewerPassing)
				behind = fmtDays(st.DaysBehind)
			} else {
				newerCell = viewCell{Text: "none"}
			}
			base = "none found"
			if b := st.Base; b != nil {
				base = baseText(b)
				if b.MovedOn {
					moved++
				}
			}
		}
		s.Rows = append(s.Rows, []viewCell{textCell(imageName(img)), digestCell(img.Digest), {Text: age},
			{Text: maxAgeCell}, newerCell, {Text: behind}, textCell(base), intCell(fixable)})
	}
	if len(imgs) > 0 {
		lead := fmt.Sprintf("%d of %s", newer, countNoun(len(imgs), "image has a newer passing build", "images have a newer passing build"))
		lead += fmt.Sprintf("; %d built on a base image that moved on", moved)
		if maxAge > 0 {
			lead += fmt.Sprintf("; %d older than the policy's maxAge of %s", over, fmtDays(maxAge))
		}
		s.Lead = []string{lead + "."}
	}
	return s
}

// firstIf sorts true before false.
func firstIf(b bool) int {
	if b {
		return 0
	}
	return 1
}

func overMaxAge(img *Image) bool { return img.Staleness != nil && img.Staleness.OverMaxAge }

// baseText says which base image an image was built on and whether that
// base moved on: "moved on: reg/base:12 sha256:aaa → sha256:bbb".
func baseText(b *Base) string {
	name := b.Repository
	if b.Tag != "" {
		name += ":" + b.Tag
	}
	if b.MovedOn {
		return fmt.Sprintf("moved on: %s %s → %s", name, fmtDigest(b.Digest), fmtDigest(b.Current))
	}
	return fmt.Sprintf("current: %s %s", name, fmtDigest(b.Digest))
}

func unknownOriginSection(rep *Report) viewSection {
	s := viewSection{ID: "unknown-origin", Title: "Unknown origin",
		Head:  []string{"Image", "Digest", "Workloads", "Reasons"},
		Empty: "No image of unknown origin."}
	if len(rep.UnknownOrigin) > 0 {
		s.Lead = []string{"Running images drydock cannot vouch for: pulled from outside the private registry, or without a drydock verdict or provenance attestation."}
	}
	for _, u := range rep.UnknownOrigin {
		s.Rows = append(s.Rows, []viewCell{textsCell(u.Refs, kindCode), digestCell(u.Digest),
			workloadsCell(u.Workloads), textsCell(u.Reasons, kindText)})
	}
	return s
}

func sprawlSection(rep *Report) viewSection {
	sp := rep.Sprawl
	s := viewSection{ID: "sprawl", Title: "Sprawl",
		Head:  []string{"Share by", "Repository", "Digests", "Workloads"},
		Empty: "No workloads that could share one image.",
		Lead: []string{fmt.Sprintf("%s from %s, on %s.", countNoun(sp.Images, "distinct image", "distinct images"),
			countNoun(sp.Repositories, "repository", "repositories"), countNoun(sp.BaseImages, "base image", "base images"))}}
	if len(sp.Share) > 0 {
		s.Lead = append(s.Lead, "Workloads that run different digests of one repository, or build on different digests of one base image, and could run one:")
	}
	for _, g := range sp.Share {
		kind := g.Kind
		switch g.Kind {
		case "repository":
			kind = "same repository"
		case "base":
			kind = "same base image"
		}
		s.Rows = append(s.Rows, []viewCell{textCell(kind), codeCell(g.Repository), digestsCell(g.Digests), workloadsCell(g.Workloads)})
	}
	return s
}

func planSection(rep *Report) viewSection {
	s := viewSection{ID: "plan", Title: "Update plan",
		Head:  []string{"Workload", "Container", "Current", "Target", "Removes", "Status"},
		Empty: "No update planned: no affected workload has a newer passing build that removes one of its findings."}
	applied, failed := 0, 0
	for _, p := range rep.Plan {
		status := "planned"
		switch {
		case p.ApplyError != "":
			status = "apply failed: " + oneLine(cleanText(p.ApplyError))
			failed++
		case p.Applied:
			status = "applied"
			applied++
		}
		s.Rows = append(s.Rows, []viewCell{textCell(p.Workload.String()), textCell(p.Container),
			digestCell(p.Current), digestCell(p.Target), textsCell(p.Removes, kindText), textCell(status)})
		if c := oneLine(cleanText(p.Command)); c != "" {
			s.Code = append(s.Code, c)
		}
	}
	if n := len(rep.Plan); n > 0 {
		lead := fmt.Sprintf("%s, one workload at a time", countNoun(n, "update", "updates"))
		if applied+failed > 0 {
			lead += fmt.Sprintf("; %d applied, %d failed", applied, failed)
		}
		s.Lead = []string{lead + "."}
		s.Notes = []string{"Each update rolls its workload to the newest passing build of the same repository that removes the findings listed. The commands:"}
	}
	return s
}

// joinItems is a list cell's text for one line; at most limit items
// (0: all), the rest counted.
func joinItems(c viewCell, limit int) string {
	if c.Items == nil {
		return c.Text
	}
	var b strings.Builder
	for i, it := range c.Items {
		if limit > 0 && i == limit {
			fmt.Fprintf(&b, " +%d more", len(c.Items)-limit)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it.Text)
	}
	return b.String()
}
