package trust

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/sign"
)

// CheckProvenance refuses dgst of repo when its namespace lists allowed
// source repositories and dgst carries no SLSA provenance attestation,
// signed by one of the namespace's trusted keys (checked
// cryptographically), whose source repository is one of them; nil where
// the namespace lists none. The source repository is the provenance's
// buildDefinition.externalParameters.source.uri, what `drydock gate
// --source-repo` writes, compared exactly. Admission control asks it
// before a cluster runs an image.
func (g *Gate) CheckProvenance(ctx context.Context, repo string, dgst digest.Digest) error {
	ns, ok := auth.NamespaceOf(repo)
	if !ok {
		return nil
	}
	allowed, err := g.st.SourceRepos(ctx, ns)
	if err != nil || len(allowed) == 0 {
		return err
	}
	keys, err := g.trustedKeys(ctx, ns)
	if err != nil {
		return err
	}
	refuse := func(why string) error {
		return &registry.Refusal{Message: fmt.Sprintf("namespace %s requires provenance from an allowed source repository (%s): %s %s",
			ns, strings.Join(allowed, ", "), dgst, why)}
	}
	if len(keys) == 0 {
		return refuse("cannot qualify: the namespace trusts no key yet (drydock trust key add)")
	}
	ck := cacheKey{repo, dgst, sign.PredicateSLSAProvenance, keySet(keys) + "|" + strings.Join(allowed, " ")}
	if _, ok := g.verified.Load(ck); ok {
		return nil
	}
	found, rejected, err := g.statements(ctx, repo, dgst, keys, sign.PredicateSLSAProvenance)
	if err != nil {
		return err
	}
	var others []string
	for _, st := range found {
		src := sourceRepo(st.Predicate)
		if src != "" && slices.Contains(allowed, src) {
			g.remember(ck)
			return nil
		}
		if src == "" {
			others = append(others, "a signed provenance that names no source repository")
		} else {
			others = append(others, fmt.Sprintf("a signed provenance from source repository %q, which is not allowed", src))
		}
	}
	switch {
	case len(others) > 0:
		return refuse("has only " + strings.Join(append(others, rejected...), "; "))
	case len(rejected) > 0:
		return refuse("has no provenance attestation signed by a trusted key (" + strings.Join(rejected, "; ") + ")")
	default:
		return refuse("has no provenance attestation")
	}
}

// sourceRepo is the source repository a SLSA provenance v1 predicate
// names; "" when it names none or is not one.
func sourceRepo(predicate []byte) string {
	var p struct {
		BuildDefinition struct {
			ExternalParameters struct {
				Source struct {
					URI string `json:"uri"`
				} `json:"source"`
			} `json:"externalParameters"`
		} `json:"buildDefinition"`
	}
	if json.Unmarshal(predicate, &p) != nil {
		return ""
	}
	return p.BuildDefinition.ExternalParameters.Source.URI
}
