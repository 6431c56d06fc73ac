package fleet

import "testing"

func TestReferenceParts(t *testing.T) {
	for _, tt := range []struct{ ref, repo, host, path string }{
		{"reg:5000/team/app:1.2@sha256:abc", "reg:5000/team/app", "reg:5000", "team/app"},
		{"reg.example.com/app", "reg.example.com/app", "reg.example.com", "app"},
		{"nginx:1.27", "nginx", "", "nginx"},
		{"library/nginx@sha256:abc", "library/nginx", "", "library/nginx"},
		{"localhost/app:v1", "localhost/app", "localhost", "app"},
	} {
		repo := repositoryOf(tt.ref)
		if repo != tt.repo || hostOf(repo) != tt.host || pathOf(repo) != tt.path {
			t.Errorf("%s: repo %q host %q path %q, want %q %q %q", tt.ref, repo, hostOf(repo), pathOf(repo), tt.repo, tt.host, tt.path)
		}
	}
}
