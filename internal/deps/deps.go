//go:build deps

// Package deps pins the libraries DESIGN.md chose, so that go.mod and go.sum
// hold them before the code that uses them lands. It is never built.
package deps

import (
	_ "cel.dev/cel-go/cel"
	_ "github.com/CycloneDX/cyclonedx-go"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/google/go-containerregistry/pkg/registry"
	_ "github.com/google/go-containerregistry/pkg/v1/remote"
	_ "github.com/google/osv-scalibr/extractor/filesystem/os/dpkg"
	_ "github.com/google/osv-scalibr/semantic"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/openvex/go-vex/pkg/vex"
	_ "github.com/package-url/packageurl-go"
	_ "github.com/pandatix/go-cvss/40"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/spdx/tools-golang/spdx"
	_ "golang.org/x/crypto/bcrypt"
	_ "golang.org/x/term"
	_ "gopkg.in/yaml.v3"
	_ "modernc.org/sqlite"
	_ "oras.land/oras-go/v2"
)
