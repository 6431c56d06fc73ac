package fleet

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
)

// maxTargetTries bounds how many newer passing builds of one repository
// are matched to find one that removes a finding.
const maxTargetTries = 20

// plan is one step per workload container whose image has findings and
// whose repository has a newer passing build without at least one of
// them: roll it to the newest such build. A container seen running two
// digests (a rollout under way) gets one step, from the lower digest.
// Steps are ordered by workload, then container.
func (a *analysis) plan(ctx context.Context, rep *Report) ([]PlanStep, error) {
	out := []PlanStep{}
	if a.st == nil {
		return out, nil
	}
	images := map[digest.Digest]*Image{}
	for _, img := range rep.Images {
		images[img.Digest] = img
	}
	type key struct {
		w         Workload
		container string
	}
	type found struct {
		target  digest.Digest
		removes []string
	}
	targets := map[digest.Digest]found{}
	steps := map[key]PlanStep{}
	for _, r := range rep.Running {
		img := images[r.Digest]
		if img == nil || len(img.Findings) == 0 {
			continue
		}
		f := a.factsOf(img)
		if f.path == "" || len(f.newer) == 0 {
			continue
		}
		t, ok := targets[img.Digest]
		if !ok {
			var err error
			if t.target, t.removes, err = a.target(ctx, img, f); err != nil {
				return nil, err
			}
			targets[img.Digest] = t
		}
		k := key{r.Workload, r.Container}
		if t.target == "" || (steps[k].Current != "" && steps[k].Current <= r.Digest) {
			continue
		}
		// The repository the newer build was found in, by the host the
		// image is pulled by.
		ref := f.host + "/" + f.path + "@" + t.target.String()
		steps[k] = PlanStep{Workload: r.Workload, Container: r.Container, Current: r.Digest,
			Target: t.target, TargetRef: ref, Removes: slices.Clone(t.removes), Command: kubectlSetImage(r.Workload, r.Container, ref)}
	}
	for _, s := range steps {
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y PlanStep) int {
		if c := compareWorkloads(x.Workload, y.Workload); c != 0 {
			return c
		}
		return cmp.Compare(x.Container, y.Container)
	})
	return out, nil
}

// target is the newest of f.newer whose findings lack at least one of
// img's, with the IDs it removes, sorted; "" when none does.
func (a *analysis) target(ctx context.Context, img *Image, f *facts) (digest.Digest, []string, error) {
	for i, art := range f.newer {
		if i == maxTargetTries {
			break
		}
		d := digest.Digest(art.Digest)
		ids, ok, err := a.findingIDs(ctx, f.path, d)
		if err != nil {
			return "", nil, err
		}
		if !ok {
			continue // no findings known for it: cannot say what it removes
		}
		var removes []string
		for _, fd := range img.Findings {
			// By ID only: an alias such as a DSA groups several CVEs, so
			// the target keeping one of them says nothing of the others.
			if !ids[fd.ID] {
				removes = append(removes, fd.ID)
			}
		}
		if len(removes) > 0 {
			slices.Sort(removes)
			return d, slices.Compact(removes), nil
		}
	}
	return "", nil, nil
}

// findingIDs is every vulnerability ID (aliases included) of d's findings,
// as enforcement reads them: stored, or matched from its stored SBOM once.
// An index's are its platform images'. ok is false when nothing is known.
// Each digest is read once: running images of one repository share their
// newer builds.
func (a *analysis) findingIDs(ctx context.Context, repo string, d digest.Digest) (map[string]bool, bool, error) {
	k := [2]string{repo, d.String()}
	if f, ok := a.ids[k]; ok {
		return f.ids, f.ok, nil
	}
	ids, ok, err := a.readFindingIDs(ctx, repo, d)
	if err != nil {
		return nil, false, err
	}
	a.ids[k] = knownIDs{ids, ok}
	return ids, ok, nil
}

// knownIDs is one answer of findingIDs.
type knownIDs struct {
	ids map[string]bool
	ok  bool
}

func (a *analysis) readFindingIDs(ctx context.Context, repo string, d digest.Digest) (map[string]bool, bool, error) {
	res, err := a.results.Result(ctx, repo, d)
	if err != nil {
		return nil, false, fmt.Errorf("fleet: findings of %s: %w", d, err)
	}
	if res == nil || (res.Inventory == nil && len(res.Children) == 0) {
		return nil, false, nil
	}
	ids := map[string]bool{}
	for _, fd := range res.Findings {
		ids[fd.ID] = true
		for _, id := range fd.IDs {
			ids[id] = true
		}
	}
	for i, c := range res.Children {
		if i == 64 {
			break
		}
		sub, ok, err := a.findingIDs(ctx, repo, c)
		if err != nil || !ok {
			return nil, false, err
		}
		for id := range sub {
			ids[id] = true
		}
	}
	return ids, true, nil
}

// kubectlKinds are the workload kinds `kubectl set image` changes.
var kubectlKinds = []string{"cronjob", "daemonset", "deployment", "job", "pod", "replicaset", "replicationcontroller", "statefulset"}

// kubectlSetImage is the command that rolls a workload's container to
// ref; without a namespace (an inventory file's workload) it leaves -n out.
// A kind kubectl does not know (an inventory file's default "Workload")
// gets no command: TargetRef says what to run instead.
func kubectlSetImage(w Workload, container, ref string) string {
	kind := strings.ToLower(w.Kind)
	if !slices.Contains(kubectlKinds, kind) {
		return ""
	}
	args := []string{"kubectl"}
	if w.Namespace != "" {
		args = append(args, "-n", shellQuote(w.Namespace))
	}
	args = append(args, "set", "image", shellQuote(kind+"/"+w.Name), shellQuote(container+"="+ref))
	return strings.Join(args, " ")
}

// shellSafe are the words a POSIX shell reads as they are.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9@%+=:,./_-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it: names from an
// inventory file are not checked the way Kubernetes checks its own, and a
// printed command must not run more than it says.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
