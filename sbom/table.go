package sbom

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/drydock/drydock/internal/termtable"
	"github.com/drydock/drydock/inventory"
)

// tableWriter writes one line per package for people: name, version, type,
// the layer that introduced it and the file it was found in, then a summary.
// With a width, the path gives way first, then the name and version.
type tableWriter struct{ width int }

var _ Writer = tableWriter{}

func (tw tableWriter) Write(w io.Writer, inv *inventory.Inventory) error {
	bw := bufio.NewWriter(w)
	t := termtable.New(
		termtable.Column{Head: "PACKAGE", Cut: 2, Min: 16},
		termtable.Column{Head: "VERSION", Cut: 2, Min: 12},
		termtable.Column{Head: "TYPE"},
		termtable.Column{Head: "LAYER"},
		termtable.Column{Head: "PATH", Cut: 1, Min: 16},
	)
	for _, p := range sortedPackages(inv.Packages) {
		layer := "-"
		if p.Layer >= 0 {
			layer = strconv.Itoa(p.Layer)
		}
		t.Row(cell(p.Name), cell(p.Version), cell(p.Type), layer, cell(p.Path))
	}
	if err := t.Write(bw, tw.width, nil); err != nil {
		return fmt.Errorf("sbom: writing table: %w", err)
	}
	fmt.Fprintln(bw)
	for _, l := range termtable.Wrap(summary(inv), tw.width, "  ") {
		fmt.Fprintln(bw, l)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("sbom: writing table: %w", err)
	}
	return nil
}

// summary is the closing line: "N packages in M layers, OS …", with the
// image it is about.
func summary(inv *inventory.Inventory) string {
	os := "unknown"
	if inv.OS != nil {
		os = inv.OS.PrettyName
		if os == "" {
			os = strings.TrimSpace(inv.OS.ID + " " + inv.OS.VersionID)
		}
	}
	return fmt.Sprintf("%s in %s, OS %s — %s", plural(len(inv.Packages), "package"), plural(len(inv.Layers), "layer"), cell(os), cell(documentName(inv)))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// cell makes a value safe for a terminal and for tabwriter: names and paths
// come from image content, which may hold tabs, newlines or escape
// sequences meant to rewrite the screen.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) && r != '\t' {
			return r
		}
		return '?'
	}, s)
}
