package fleet

import "strings"

// repositoryOf strips the digest and tag from an image reference:
// "reg:5000/team/app:1.2@sha256:…" is "reg:5000/team/app".
func repositoryOf(ref string) string {
	if at := strings.IndexByte(ref, '@'); at >= 0 {
		ref = ref[:at]
	}
	slash := strings.LastIndexByte(ref, '/')
	if colon := strings.LastIndexByte(ref, ':'); colon > slash {
		ref = ref[:colon]
	}
	return ref
}

// hostOf is the registry host of a repository ("reg:5000" of
// "reg:5000/team/app"), "" when the first part is no host (Docker Hub's
// short names such as "nginx" or "library/nginx").
func hostOf(repo string) string {
	first, _, ok := strings.Cut(repo, "/")
	if !ok || !(strings.ContainsAny(first, ".:") || first == "localhost") {
		return ""
	}
	return first
}

// pathOf is the repository path inside its registry ("team/app").
func pathOf(repo string) string {
	if h := hostOf(repo); h != "" {
		return strings.TrimPrefix(repo, h+"/")
	}
	return repo
}
