// Package corpus generates a synthetic OSV corpus for vulndb's benchmarks:
// records shaped like the real feeds' (ids, aliases, prose details, ranges,
// references, a CVSS vector) spread over several ecosystems, written to a
// zip one entry at a time so that generating 300k records needs no more
// memory than generating one.
package corpus

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/drydock/drydock/vulndb"
)

// Ecosystem is one ecosystem of the corpus: how its ids and package names
// look and how many distinct packages it has.
type Ecosystem struct {
	Name, IDPrefix, PkgPrefix string
	Packages                  int
}

// Ecosystems is the default mix, roughly in the proportions of the real
// export (Debian and Ubuntu hold most records).
var Ecosystems = []Ecosystem{
	{"Debian:12", "DEBIAN-CVE-", "lib", 9000},
	{"Ubuntu:22.04:LTS", "UBUNTU-CVE-", "ubu", 8000},
	{"Alpine:v3.19", "ALPINE-CVE-", "apk", 3000},
	{"Go", "GO-", "github.com/example/mod", 6000},
	{"npm", "GHSA-npm-", "pkg-", 12000},
	{"PyPI", "PYSEC-", "py-", 6000},
	{"Maven", "GHSA-mvn-", "org.example:artifact-", 5000},
}

var words = strings.Fields(`a an attacker buffer overflow in the when parsing crafted input remote
server client memory heap use after free denial of service via request header cookie proxy
certificate validation could allow read write out of bounds integer underflow length field
function handling may lead to arbitrary code execution information disclosure before version
fixed this issue affects versions library component through authentication bypass`)

// Package returns the i-th package name of e.
func (e Ecosystem) Package(i int) string { return fmt.Sprintf("%s%d", e.PkgPrefix, i) }

// Record returns the n-th record, the same for the same n and seed.
func Record(n int, seed uint64, ecos []Ecosystem) *vulndb.Advisory {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	e := ecos[n%len(ecos)]
	year := 2015 + r.IntN(10)
	cve := fmt.Sprintf("CVE-%d-%05d", year, r.IntN(60000))
	modified := time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), 0, 0, time.UTC)
	a := &vulndb.Advisory{
		SchemaVersion: "1.6.0",
		ID:            fmt.Sprintf("%s%d-%07d", e.IDPrefix, year, n),
		Modified:      modified,
		Published:     &modified,
		Aliases:       []string{cve},
		Summary:       sentence(r, 6+r.IntN(6)),
		Details:       sentence(r, 40+r.IntN(120)),
		Severity:      []vulndb.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
	}
	for k := 0; k < 1+r.IntN(3); k++ {
		a.Affected = append(a.Affected, vulndb.Affected{
			Package: vulndb.Package{Ecosystem: e.Name, Name: e.Package(r.IntN(e.Packages))},
			Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{
				{Introduced: "0"}, {Fixed: fmt.Sprintf("%d.%d.%d-%d", r.IntN(10), r.IntN(30), r.IntN(20), 1+r.IntN(5))},
			}}},
		})
	}
	for k := 0; k < 2+r.IntN(4); k++ {
		a.References = append(a.References, vulndb.Reference{Type: "WEB",
			URL: fmt.Sprintf("https://security.example.org/advisories/%s/%d", cve, k)})
	}
	return a
}

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String()
}

// WriteZip writes records 0..n-1 to w as an OSV all.zip (one <id>.json per
// entry) and returns the total JSON bytes written.
func WriteZip(w io.Writer, n int, seed uint64, ecos []Ecosystem) (int64, error) {
	zw := zip.NewWriter(w)
	var total int64
	for i := 0; i < n; i++ {
		a := Record(i, seed, ecos)
		b, err := json.Marshal(a)
		if err != nil {
			return total, err
		}
		f, err := zw.Create(a.ID + ".json")
		if err != nil {
			return total, err
		}
		if _, err := f.Write(b); err != nil {
			return total, err
		}
		total += int64(len(b))
	}
	return total, zw.Close()
}
