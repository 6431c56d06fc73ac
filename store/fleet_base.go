package store

import (
	"context"
	"fmt"
	"strings"
)

// MaxBaseLayers bounds the layer list ManifestsWithin takes: real images
// have well under a hundred layers (overlay filesystems stop at 128).
const MaxBaseLayers = 256

// MaxBaseManifestSize bounds the manifests ManifestsWithin returns: an
// image manifest lists a config and its layers in a few kilobytes, and a
// caller reading hundreds must not hold hundreds of megabytes.
const MaxBaseManifestSize = 256 << 10

// ManifestsWithin lists the manifests, in any repository, that reference
// layers[0] and whose other blobs are all among layers but at most one
// (the config): the candidates for the base image of an image whose layer
// blobs are layers. Referrers and manifests over MaxBaseManifestSize are
// left out. The caller checks the order of each candidate's layers in its
// content. Newest push first, ties by repository and digest; at most n
// (n <= 0: all).
func (s *Store) ManifestsWithin(ctx context.Context, layers []string, n int) ([]*Manifest, error) {
	if len(layers) == 0 {
		return nil, nil
	}
	if len(layers) > MaxBaseLayers {
		return nil, fmt.Errorf("store: %d layers to look for a base image of, more than %d", len(layers), MaxBaseLayers)
	}
	q := `SELECT r.name, ` + manifestColumns + ` FROM manifest_blobs f
		JOIN manifests m ON m.repo_id = f.repo_id AND m.digest = f.digest
		JOIN repositories r ON r.id = m.repo_id
		WHERE f.blob_digest = ? AND m.subject = '' AND m.size <= ?
		AND (SELECT COUNT(*) FROM manifest_blobs b WHERE b.repo_id = m.repo_id AND b.digest = m.digest
			AND b.blob_digest NOT IN (?` + strings.Repeat(", ?", len(layers)-1) + `)) <= 1
		ORDER BY m.pushed_at DESC, r.name, m.digest`
	args := []any{layers[0], MaxBaseManifestSize}
	for _, l := range layers {
		args = append(args, l)
	}
	if n > 0 {
		q += " LIMIT ?"
		args = append(args, n)
	}
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: manifests within %d layers: %w", len(layers), err)
	}
	defer rows.Close()
	var out []*Manifest
	for rows.Next() {
		m := &Manifest{}
		var pushed, pulled int64
		if err := rows.Scan(&m.Repo, &m.Digest, &m.MediaType, &m.Content, &m.Subject, &m.ArtifactType, &m.ConfigMediaType, &pushed, &pulled); err != nil {
			return nil, fmt.Errorf("store: manifests within layers: %w", err)
		}
		m.PushedAt, m.LastPulledAt = Time(pushed), Time(pulled)
		out = append(out, m)
	}
	return out, rows.Err()
}
