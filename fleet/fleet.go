// Package fleet audits what runs in production: it learns which image
// digests run where (from Kubernetes or an inventory file), keeps their
// SBOMs by digest, matches them again when the vulnerability database
// changes, and reports what became vulnerable since the previous audit,
// which images went stale, which came from outside the private registry,
// how many distinct images run, and which workloads to roll to a fixed
// build. It adds what runs where to the registry's stored SBOMs and
// findings; matching stays the scanner's and the rematch's.
package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
)

// Workload is what owns a running container: a Deployment, StatefulSet,
// DaemonSet, CronJob, Job, a bare Pod, or a name from an inventory file.
type Workload struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String reads "Deployment prod/web", or "Deployment web" without a
// namespace.
func (w Workload) String() string {
	if w.Namespace == "" {
		return w.Kind + " " + w.Name
	}
	return fmt.Sprintf("%s %s/%s", w.Kind, w.Namespace, w.Name)
}

// Running is one container seen running, or listed in an inventory file.
type Running struct {
	// Environment names where it runs: the kube context, or the
	// inventory file's environment label.
	Environment string   `json:"environment,omitempty"`
	Workload    Workload `json:"workload"`
	// Pod is the pod's name; "" from an inventory file.
	Pod       string `json:"pod,omitempty"`
	Container string `json:"container"`
	// Image is the reference the workload names (often a tag).
	Image string `json:"image"`
	// Digest is the manifest digest it runs: from the container status's
	// imageID, or the reference resolved for an inventory file.
	Digest digest.Digest `json:"digest"`
	// Labels are the inventory file's or the workload's labels.
	Labels map[string]string `json:"labels,omitempty"`
}

// Repository is the image reference without tag or digest
// ("registry.example.com/team/app"), as Image names it.
func (r Running) Repository() string { return repositoryOf(r.Image) }

// Source lists what runs.
type Source interface {
	// Running lists every running container. Containers whose digest is
	// not known yet (a pod still pulling) are left out.
	Running(ctx context.Context) ([]Running, error)
	// Describe names the source for the report ("kubernetes context prod",
	// "inventory production.yaml").
	Describe() string
}

// Severity counts, as the report and the history chart show them.
type Counts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Unknown  int `json:"unknown"`
}

// Total is every counted finding.
func (c Counts) Total() int { return c.Critical + c.High + c.Medium + c.Low + c.Unknown }

// Finding is one vulnerability in one package of a running image.
type Finding struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases,omitempty"`
	Severity  string   `json:"severity"` // critical, high, medium, low, unknown
	Package   string   `json:"package"`
	Version   string   `json:"version"`
	Ecosystem string   `json:"ecosystem"`
	// Fixed lists the versions that fix it; empty: no fix yet.
	Fixed   []string `json:"fixed,omitempty"`
	Summary string   `json:"summary,omitempty"`
}

// Image is one distinct running digest.
type Image struct {
	Digest digest.Digest `json:"digest"`
	// Refs are the references workloads run it by, sorted.
	Refs []string `json:"refs"`
	// Repository is the repository of the first ref.
	Repository string     `json:"repository"`
	Workloads  []Workload `json:"workloads"`
	// Created is the image config's creation time, when it says one.
	Created  *time.Time `json:"created,omitempty"`
	Packages int        `json:"packages"`
	Findings []Finding  `json:"findings"`
	Counts   Counts     `json:"counts"`
	// Fixable counts the findings with a fixed version.
	Fixable int `json:"fixable"`
	// Verdict is the registry's stored verdict ("pass", "fail", …); ""
	// when the registry never judged this digest.
	Verdict string `json:"verdict,omitempty"`
	// Private is true when the image is pulled from the private registry.
	Private   bool       `json:"private"`
	Staleness *Staleness `json:"staleness,omitempty"`
	// Error is why the image could not be cataloged; it then has no
	// findings and is listed again at the next audit.
	Error string `json:"error,omitempty"`
}

// NewVulnerability is a vulnerability that affects a running image now
// and did not at the previous audit: what the report leads with.
type NewVulnerability struct {
	ID       string   `json:"id"`
	Aliases  []string `json:"aliases,omitempty"`
	Severity string   `json:"severity"`
	Summary  string   `json:"summary,omitempty"`
	// Packages are "name version" of each affected package.
	Packages []string `json:"packages"`
	// FixAvailable is true when every affected package has a fixed version.
	FixAvailable bool            `json:"fixAvailable"`
	Images       []digest.Digest `json:"images"`
	Workloads    []Workload      `json:"workloads"`
}

// Staleness is how far one running image has fallen behind.
type Staleness struct {
	// AgeDays is the days since Created; -1 when the config names no time.
	AgeDays int `json:"ageDays"`
	// MaxAgeDays is the policy's maxAge in days, 0 when it sets none;
	// OverMaxAge is true when AgeDays exceeds it.
	MaxAgeDays int  `json:"maxAgeDays,omitempty"`
	OverMaxAge bool `json:"overMaxAge,omitempty"`
	// NewerPassing is the newest digest of the same repository with a
	// passing verdict, pushed after this one; "" when there is none.
	NewerPassing   digest.Digest `json:"newerPassing,omitempty"`
	NewerPassingAt *time.Time    `json:"newerPassingAt,omitempty"`
	// DaysBehind is the days since the repository first got a passing
	// build newer than this one (how long an update has waited); 0 when
	// NewerPassing is "".
	DaysBehind int `json:"daysBehind,omitempty"`
	// Base is the registry image this one was built on, when its layers
	// start with one's.
	Base *Base `json:"base,omitempty"`
	// Fixable counts the findings with a fixed version.
	Fixable int `json:"fixable"`
}

// Base is the base image a running image was built on.
type Base struct {
	Repository string        `json:"repository"`
	Digest     digest.Digest `json:"digest"`
	// Tag is the tag that named Digest when known.
	Tag string `json:"tag,omitempty"`
	// Current is the digest the base repository's tag (or its newest
	// push) names now; MovedOn is true when it differs from Digest.
	Current digest.Digest `json:"current,omitempty"`
	MovedOn bool          `json:"movedOn"`
}

// UnknownOrigin is a running image drydock cannot vouch for.
type UnknownOrigin struct {
	Digest    digest.Digest `json:"digest"`
	Refs      []string      `json:"refs"`
	Workloads []Workload    `json:"workloads"`
	// Reasons: "not from the private registry", "no drydock verdict",
	// "no provenance attestation".
	Reasons []string `json:"reasons"`
}

// Sprawl is how many distinct images run, and where fewer would do.
type Sprawl struct {
	Images       int `json:"images"`
	Repositories int `json:"repositories"`
	BaseImages   int `json:"baseImages"`
	// Share lists the groups of workloads that run different digests of
	// one repository, or build on different digests of one base image,
	// and could run one.
	Share []ShareGroup `json:"share,omitempty"`
}

// ShareGroup is workloads that could converge on one image.
type ShareGroup struct {
	// Kind is "repository" (different digests of one repository) or
	// "base" (images built on different digests of one base).
	Kind       string          `json:"kind"`
	Repository string          `json:"repository"`
	Digests    []digest.Digest `json:"digests"`
	Workloads  []Workload      `json:"workloads"`
}

// PlanStep is one workload's update: roll Container from Current to
// Target, which removes Removes.
type PlanStep struct {
	Workload  Workload      `json:"workload"`
	Container string        `json:"container"`
	Current   digest.Digest `json:"current"`
	// Target is the newest passing digest of the same repository whose
	// findings lack at least one of Current's; TargetRef is the
	// repository@digest reference to set.
	Target    digest.Digest `json:"target"`
	TargetRef string        `json:"targetRef"`
	Removes   []string      `json:"removes"`
	// Command is the kubectl command that makes the change.
	Command string `json:"command"`
	// Applied and ApplyError say what --apply did.
	Applied    bool   `json:"applied,omitempty"`
	ApplyError string `json:"applyError,omitempty"`
}

// RematchCounts says how much work an audit did.
type RematchCounts struct {
	// Since is the previous audit's database mark; records modified after
	// it were looked at. Zero at the first audit.
	Since time.Time `json:"since,omitzero"`
	// ChangedRecords and ChangedNames count the records modified since
	// Since and the package names they touch.
	ChangedRecords int `json:"changedRecords"`
	ChangedNames   int `json:"changedNames"`
	// Images counts distinct running digests; Cataloged those cataloged
	// now for the first time; Reevaluated those matched again (in part);
	// NotReevaluated those whose findings were kept as they were.
	Images         int `json:"images"`
	Cataloged      int `json:"cataloged"`
	Reevaluated    int `json:"reevaluated"`
	NotReevaluated int `json:"notReevaluated"`
	// Took is how long cataloging and bringing the findings up to date
	// took.
	Took time.Duration `json:"took"`
}

// HistoryPoint is one past audit's totals, for the severity-over-time chart.
type HistoryPoint struct {
	Time   time.Time `json:"time"`
	Images int       `json:"images"`
	Counts Counts    `json:"counts"`
	New    int       `json:"new"`
}

// Report is one audit's result.
type Report struct {
	ID       int64     `json:"id"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Sources  []string  `json:"sources"`
	// Previous is when the previous audit ran; nil at the first.
	Previous *time.Time `json:"previous,omitempty"`
	// DatabaseBuilt is when the vulnerability database was built.
	DatabaseBuilt time.Time `json:"databaseBuilt,omitzero"`
	Running       []Running `json:"running"`
	Images        []*Image  `json:"images"`
	Counts        Counts    `json:"counts"`
	// New leads the report: what affects running images now and did not
	// at the previous audit, most severe first (then by workloads hit).
	// It is kept per image: a vulnerability is new for an image that did
	// not carry it at the previous audit, so an image deployed since
	// brings all of its vulnerabilities as new. At the first audit
	// (Previous nil) everything present is new. An image that cannot be
	// cataloged keeps what it had: nothing about it is new or resolved.
	New []NewVulnerability `json:"new"`
	// Resolved are the IDs that affected a running image at the previous
	// audit and affect none now (fixed, or the images stopped running),
	// sorted.
	Resolved      []string        `json:"resolved,omitempty"`
	UnknownOrigin []UnknownOrigin `json:"unknownOrigin"`
	Sprawl        Sprawl          `json:"sprawl"`
	Plan          []PlanStep      `json:"plan"`
	History       []HistoryPoint  `json:"history"`
	Rematch       RematchCounts   `json:"rematch"`
}
