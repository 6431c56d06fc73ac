package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/opencontainers/go-digest"
	"gopkg.in/yaml.v3"

	"github.com/drydock/drydock/image"
)

// Bounds on an inventory file: it is read whole, so its size is capped.
const (
	MaxInventoryBytes  = 4 << 20
	MaxInventoryImages = 20_000
)

// InventoryError is an inventory file that cannot be used: too big, not
// YAML, an unknown key, a missing or malformed image reference, a
// container listed twice. It is the caller's mistake.
type InventoryError struct {
	File string
	// Line is 1-based; 0 when the error is about the whole file.
	Line int
	// Field is the path of the offending key ("images[2].tag"); "" for
	// the whole file.
	Field string
	Err   error
}

func (e *InventoryError) Error() string {
	var b strings.Builder
	b.WriteString("inventory ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *InventoryError) Unwrap() error { return e.Err }

// InvalidInput reports true: the inventory file given was wrong.
func (e *InventoryError) InvalidInput() bool { return true }

// inventoryFile is a loaded inventory file.
type inventoryFile struct {
	file        string
	environment string
	entries     []inventoryEntry
	access      image.RegistryAccess
}

var _ Source = (*inventoryFile)(nil)

type inventoryEntry struct {
	line     int
	field    string // "images[3]"
	image    string
	ref      name.Reference
	workload Workload
	// container defaults to the workload's name.
	container string
	labels    map[string]string
}

// LoadInventory reads an inventory file: the images an environment runs,
// for hosts drydock cannot list itself. The file is YAML:
//
//	environment: production        # default: the file name without extension
//	images:
//	  - image: registry.example.com/team/web:1.4   # by tag or @sha256:…
//	    workload: web              # default: the repository's last path part
//	    kind: Deployment           # default: Workload
//	    namespace: shop            # optional
//	    container: web             # default: the workload name
//	    labels: {team: shop}       # optional
//
// Unknown keys are refused with their line, as is a workload's container
// listed twice. References by digest are kept as given; tags are resolved
// to the digest they name at each Running call, through the registry, with
// the credentials, plain-HTTP setting and transport of opts.
func LoadInventory(path string, opts ...image.Option) (Source, error) {
	access, err := image.AccessOf(opts...)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &InventoryError{File: path, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxInventoryBytes+1))
	if err != nil {
		return nil, &InventoryError{File: path, Err: err}
	}
	if len(data) > MaxInventoryBytes {
		return nil, &InventoryError{File: path, Err: fmt.Errorf("larger than %d MiB", MaxInventoryBytes>>20)}
	}
	inv := &inventoryFile{file: path, access: access,
		environment: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))}
	if err := inv.parse(data); err != nil {
		return nil, err
	}
	return inv, nil
}

// Describe reads "inventory production.yaml".
func (inv *inventoryFile) Describe() string { return "inventory " + inv.file }

// Running lists the file's images, each tag resolved to the digest it
// names now (one request per distinct reference).
func (inv *inventoryFile) Running(ctx context.Context) ([]Running, error) {
	resolved := map[string]digest.Digest{}
	out := make([]Running, 0, len(inv.entries))
	for _, e := range inv.entries {
		dg, ok := resolved[e.ref.String()]
		if !ok {
			var err error
			if dg, err = inv.resolve(ctx, e.ref); err != nil {
				var te *transport.Error
				if errors.As(err, &te) && (te.StatusCode == http.StatusNotFound || te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
					// No such tag, or no access to it: the file's
					// mistake or the credentials', not the network's.
					return nil, &InventoryError{File: inv.file, Line: e.line, Field: e.field + ".image", Err: fmt.Errorf("resolving %s: %w", e.image, err)}
				}
				return nil, fmt.Errorf("fleet: inventory %s:%d: resolving %s: %w", inv.file, e.line, e.image, err)
			}
			resolved[e.ref.String()] = dg
		}
		out = append(out, Running{Environment: inv.environment, Workload: e.workload, Container: e.container,
			Image: e.image, Digest: dg, Labels: e.labels})
	}
	return out, nil
}

// resolve is the manifest digest ref names: its own digest, or the one the
// registry serves for its tag (HEAD, then GET for registries that do not
// answer HEAD with a digest).
func (inv *inventoryFile) resolve(ctx context.Context, ref name.Reference) (digest.Digest, error) {
	if d, ok := ref.(name.Digest); ok {
		return digest.Digest(d.DigestStr()), nil
	}
	ropts := inv.access.RemoteOptions(ctx)
	desc, err := remote.Head(ref, ropts...)
	if err != nil {
		d, gerr := remote.Get(ref, ropts...)
		if gerr != nil {
			return "", inv.access.Explain(ref.Context(), gerr)
		}
		desc = &d.Descriptor
	}
	dg, err := digest.Parse(desc.Digest.String())
	if err != nil {
		return "", fmt.Errorf("the registry answered a malformed digest %q", desc.Digest)
	}
	return dg, nil
}

// parse reads the YAML document into inv, checking every key.
func (inv *inventoryFile) parse(data []byte) error {
	fail := func(n *yaml.Node, field string, format string, args ...any) error {
		line := 0
		if n != nil {
			line = n.Line
		}
		return &InventoryError{File: inv.file, Line: line, Field: field, Err: fmt.Errorf(format, args...)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &InventoryError{File: inv.file, Err: err}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return fail(nil, "", "an inventory is a YAML mapping with environment and images")
	}
	var images *yaml.Node
	err := eachKey(doc.Content[0], "", fail, map[string]func(k, v *yaml.Node) error{
		"environment": func(k, v *yaml.Node) error { return scalar(v, &inv.environment, "environment", fail) },
		"images": func(k, v *yaml.Node) error {
			if v.Kind != yaml.SequenceNode {
				return fail(v, "images", "want a list of images")
			}
			images = v
			return nil
		},
	})
	if err != nil {
		return err
	}
	if images == nil || len(images.Content) == 0 {
		return fail(doc.Content[0], "images", "the inventory lists no images")
	}
	if len(images.Content) > MaxInventoryImages {
		return fail(images, "images", "more than %d images", MaxInventoryImages)
	}
	nameOpts := inv.access.NameOptions()
	seen := map[string]int{}
	for i, item := range images.Content {
		path := fmt.Sprintf("images[%d]", i)
		if item.Kind != yaml.MappingNode {
			return fail(item, path, "want a mapping with image, workload, kind, namespace, container, labels")
		}
		e := inventoryEntry{line: item.Line, field: path, workload: Workload{Kind: "Workload"}}
		str := func(dst *string, key string) func(k, v *yaml.Node) error {
			return func(k, v *yaml.Node) error { return scalar(v, dst, path+"."+key, fail) }
		}
		err := eachKey(item, path, fail, map[string]func(k, v *yaml.Node) error{
			"image":     str(&e.image, "image"),
			"workload":  str(&e.workload.Name, "workload"),
			"kind":      str(&e.workload.Kind, "kind"),
			"namespace": str(&e.workload.Namespace, "namespace"),
			"container": str(&e.container, "container"),
			"labels": func(k, v *yaml.Node) error {
				if v.Kind != yaml.MappingNode {
					return fail(v, path+".labels", "want a mapping of names to values")
				}
				e.labels = map[string]string{}
				for j := 0; j+1 < len(v.Content); j += 2 {
					var val string
					if err := scalar(v.Content[j+1], &val, path+".labels."+v.Content[j].Value, fail); err != nil {
						return err
					}
					e.labels[v.Content[j].Value] = val
				}
				return nil
			},
		})
		if err != nil {
			return err
		}
		if e.image == "" {
			return fail(item, path+".image", "missing: each entry names the image it runs")
		}
		if e.ref, err = name.ParseReference(e.image, nameOpts...); err != nil {
			return fail(item, path+".image", "%v", err)
		}
		if e.workload.Name == "" {
			repo := e.ref.Context().RepositoryStr()
			e.workload.Name = repo[strings.LastIndexByte(repo, '/')+1:]
		}
		if e.container == "" {
			e.container = e.workload.Name
		}
		key := e.workload.String() + "\x00" + e.container
		if line, dup := seen[key]; dup {
			return fail(item, path, "%s container %s is already listed at line %d", e.workload, e.container, line)
		}
		seen[key] = item.Line
		inv.entries = append(inv.entries, e)
	}
	return nil
}

// eachKey calls the handler of each key of mapping m, refusing keys it
// has no handler for, and aliases.
func eachKey(m *yaml.Node, path string, fail func(*yaml.Node, string, string, ...any) error, handlers map[string]func(k, v *yaml.Node) error) error {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		field := k.Value
		if path != "" {
			field = path + "." + k.Value
		}
		h, ok := handlers[k.Value]
		if !ok {
			known := make([]string, 0, len(handlers))
			for n := range handlers {
				known = append(known, n)
			}
			slices.Sort(known)
			return fail(k, field, "unknown key %q (known: %s)", k.Value, strings.Join(known, ", "))
		}
		if v.Kind == yaml.AliasNode {
			return fail(v, field, "YAML aliases are not allowed in an inventory")
		}
		if err := h(k, v); err != nil {
			return err
		}
	}
	return nil
}

// scalar reads a string value; null leaves dst as it is.
func scalar(v *yaml.Node, dst *string, field string, fail func(*yaml.Node, string, string, ...any) error) error {
	switch {
	case v.Kind == yaml.AliasNode:
		return fail(v, field, "YAML aliases are not allowed in an inventory")
	case v.Kind != yaml.ScalarNode:
		return fail(v, field, "want a string")
	case v.Tag == "!!null":
		return nil
	}
	*dst = v.Value
	return nil
}
