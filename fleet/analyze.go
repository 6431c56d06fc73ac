package fleet

import (
	"context"
	"slices"
)

// analyze fills what needs the private registry's store: each image's
// Private (and, as it grows, Verdict and Staleness), and the report's
// UnknownOrigin, Sprawl and Plan. Run calls it once the images and their
// findings are known.
func analyze(ctx context.Context, cfg Config, rep *Report) error {
	for _, img := range rep.Images {
		if err := ctx.Err(); err != nil {
			return err
		}
		img.Private = isPrivate(cfg.Registries, img.Repository)
	}
	return nil
}

// isPrivate reports whether repo is pulled from one of the private
// registry's hosts.
func isPrivate(registries []string, repo string) bool {
	h := hostOf(repo)
	return h != "" && slices.Contains(registries, h)
}
