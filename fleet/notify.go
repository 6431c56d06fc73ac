package fleet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/webhook"
)

// Notify tells the registry's webhooks what an audit found. Webhooks
// belong to namespaces, so events go to the namespaces of the private
// registry's repositories that run in production:
//
//   - one webhook.TypeAuditVulnerability event per new vulnerability
//     (rep.New) and namespace whose images it hits; the subject is the
//     vulnerability's ID, the data lists that namespace's affected images
//     and the workloads running them;
//   - one webhook.TypeAuditCompleted event per namespace with a running
//     image: that namespace's images, counts, new IDs and planned updates.
//
// An event carries only its namespace's images, so a namespace's webhook
// learns nothing of another's. Images from outside the private registry
// belong to no namespace and reach no webhook: they are in the report
// itself (and in its unknown-origin list). Notify queues every event it
// can and returns the failures joined.
func Notify(ctx context.Context, s *webhook.Sender, rep *Report) error {
	if s == nil || rep == nil {
		return errors.New("fleet: Notify needs a webhook sender and a report")
	}
	byNS := namespaceImages(rep)
	var errs []error
	for _, nv := range rep.New {
		for _, ns := range slices.Sorted(maps.Keys(byNS)) {
			imgs := byNS[ns].hit(nv.Images)
			if len(imgs) == 0 {
				continue
			}
			data := vulnerabilityEvent{Audit: rep.ID, At: rep.Finished, ID: nv.ID, Aliases: nv.Aliases, Severity: nv.Severity,
				Summary: nv.Summary, Packages: nv.Packages, FixAvailable: nv.FixAvailable}
			for _, img := range imgs {
				data.Images = append(data.Images, eventImage{Repositories: byNS[ns].repos[img.Digest], Digest: img.Digest})
				data.Workloads = appendWorkloads(data.Workloads, img.Workloads)
			}
			if err := s.Publish(ctx, ns, webhook.TypeAuditVulnerability, nv.ID, data); err != nil {
				errs = append(errs, fmt.Errorf("fleet: %s event for %s to namespace %s: %w", webhook.TypeAuditVulnerability, nv.ID, ns, err))
			}
		}
	}
	for _, ns := range slices.Sorted(maps.Keys(byNS)) {
		if err := s.Publish(ctx, ns, webhook.TypeAuditCompleted, "audit/"+strconv.FormatInt(rep.ID, 10), byNS[ns].summary(rep)); err != nil {
			errs = append(errs, fmt.Errorf("fleet: %s event to namespace %s: %w", webhook.TypeAuditCompleted, ns, err))
		}
	}
	return errors.Join(errs...)
}

// vulnerabilityEvent is the data of an audit.vulnerability event.
type vulnerabilityEvent struct {
	Audit        int64        `json:"audit"`
	At           time.Time    `json:"at"`
	ID           string       `json:"id"`
	Aliases      []string     `json:"aliases,omitempty"`
	Severity     string       `json:"severity"`
	Summary      string       `json:"summary,omitempty"`
	Packages     []string     `json:"packages"`
	FixAvailable bool         `json:"fix_available"`
	Images       []eventImage `json:"images"`
	Workloads    []Workload   `json:"workloads"`
}

// eventImage is one of a namespace's running images: its repositories
// (paths inside the registry, "team/app") and digest.
type eventImage struct {
	Repositories []string      `json:"repositories"`
	Digest       digest.Digest `json:"digest"`
}

// completedEvent is the data of an audit.completed event.
type completedEvent struct {
	Audit    int64        `json:"audit"`
	Started  time.Time    `json:"started"`
	Finished time.Time    `json:"finished"`
	Sources  []string     `json:"sources"`
	Images   []eventImage `json:"images"`
	Counts   Counts       `json:"counts"`
	// New are the IDs of rep.New that hit this namespace's images.
	New []string `json:"new"`
	// Updates counts the plan's steps for workloads running its images.
	Updates int `json:"updates"`
}

// nsImages are one namespace's running images and, per digest, the
// namespace's repositories it runs from.
type nsImages struct {
	images []*Image
	repos  map[digest.Digest][]string
}

// namespaceImages groups the report's private-registry images by the
// namespaces of the repositories workloads run them from. Only refs on a
// private host count, so a digest pulled from the private registry and
// from elsewhere is announced under the private name only: the private
// hosts are those of private images all of whose refs name one host.
func namespaceImages(rep *Report) map[string]*nsImages {
	private := map[string]bool{}
	for _, img := range rep.Images {
		if img == nil || !img.Private {
			continue
		}
		if hosts := refHosts(img); len(hosts) == 1 {
			private[hosts[0]] = true
		}
	}
	out := map[string]*nsImages{}
	for _, img := range rep.Images {
		if img == nil || !img.Private {
			continue
		}
		onPrivate := func(h string) bool { return private[h] }
		if !slices.ContainsFunc(refHosts(img), onPrivate) {
			// Every host it names is ambiguous: trust its repository's.
			onPrivate = func(h string) bool { return h == hostOf(img.Repository) }
		}
		for _, ref := range img.Refs {
			repo := repositoryOf(ref)
			if h := hostOf(repo); h == "" || !onPrivate(h) {
				continue
			}
			path := pathOf(repo)
			ns, ok := auth.NamespaceOf(path)
			if !ok {
				continue
			}
			g := out[ns]
			if g == nil {
				g = &nsImages{repos: map[digest.Digest][]string{}}
				out[ns] = g
			}
			if _, seen := g.repos[img.Digest]; !seen {
				g.images = append(g.images, img)
			}
			if !slices.Contains(g.repos[img.Digest], path) {
				g.repos[img.Digest] = append(g.repos[img.Digest], path)
			}
		}
	}
	return out
}

// refHosts are the distinct registry hosts img's refs name.
func refHosts(img *Image) []string {
	var hosts []string
	for _, ref := range img.Refs {
		if h := hostOf(repositoryOf(ref)); h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// hit is the namespace's images among ds.
func (g *nsImages) hit(ds []digest.Digest) []*Image {
	var out []*Image
	for _, img := range g.images {
		if slices.Contains(ds, img.Digest) {
			out = append(out, img)
		}
	}
	return out
}

func (g *nsImages) summary(rep *Report) completedEvent {
	e := completedEvent{Audit: rep.ID, Started: rep.Started, Finished: rep.Finished, Sources: rep.Sources, New: []string{}}
	for _, img := range g.images {
		e.Images = append(e.Images, eventImage{Repositories: g.repos[img.Digest], Digest: img.Digest})
		e.Counts = e.Counts.add(img.Counts)
	}
	for _, nv := range rep.New {
		if len(g.hit(nv.Images)) > 0 {
			e.New = append(e.New, nv.ID)
		}
	}
	for _, st := range rep.Plan {
		if _, ok := g.repos[st.Current]; ok {
			e.Updates++
		}
	}
	return e
}

func appendWorkloads(dst, ws []Workload) []Workload {
	for _, w := range ws {
		if !slices.Contains(dst, w) {
			dst = append(dst, w)
		}
	}
	return dst
}
