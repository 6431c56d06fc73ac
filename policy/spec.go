package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// APIVersion and Kind are the only header a policy file may carry; a new
// apiVersion gets a new parser rather than a silent reinterpretation.
const (
	APIVersion = "drydock/v1"
	Kind       = "Policy"
)

// fileSpec is the policy file as written. It is decoded from a yaml.Node
// tree so that every error can name its line.
type fileSpec struct {
	APIVersion  string          `yaml:"apiVersion"`
	Kind        string          `yaml:"kind"`
	Name        string          `yaml:"name"`
	Description string          `yaml:"description"`
	Severity    severitySpec    `yaml:"severity"`
	FixableOnly bool            `yaml:"fixableOnly"`
	GoSymbols   string          `yaml:"goSymbols"`
	Exceptions  []exceptionSpec `yaml:"exceptions"`
	VEX         []string        `yaml:"vex"`
	Registries  registriesSpec  `yaml:"registries"`
	MaxAge      string          `yaml:"maxAge"`
	Rules       []ruleSpec      `yaml:"rules"`
	Integrity   string          `yaml:"integrity"`
}

type severitySpec struct {
	FailOn    string `yaml:"failOn"`
	UnknownAs string `yaml:"unknownAs"`
	Source    string `yaml:"source"`
}

type registriesSpec struct {
	Allowed []string `yaml:"allowed"`
}

type exceptionSpec struct {
	ID      string `yaml:"id"`
	Package string `yaml:"package"`
	PURL    string `yaml:"purl"`
	Reason  string `yaml:"reason"`
	Expires string `yaml:"expires"`
	node    *yaml.Node
}

type ruleSpec struct {
	Name    string `yaml:"name"`
	Message string `yaml:"message"`
	Deny    string `yaml:"deny"`
	Allow   string `yaml:"allow"`
	IDs     string `yaml:"ids"`
	node    *yaml.Node
}

// UnmarshalYAML keeps the item's node so later checks can name the line of
// the exact key they object to.
func (e *exceptionSpec) UnmarshalYAML(n *yaml.Node) error {
	type plain exceptionSpec
	if err := n.Decode((*plain)(e)); err != nil {
		return err
	}
	e.node = n
	return nil
}

// UnmarshalYAML keeps the item's node, as for exceptions.
func (r *ruleSpec) UnmarshalYAML(n *yaml.Node) error {
	type plain ruleSpec
	if err := n.Decode((*plain)(r)); err != nil {
		return err
	}
	r.node = n
	return nil
}

// decodeFile parses data into a fileSpec and its root mapping node. It
// rejects more than one document, unknown keys and a wrong header.
func decodeFile(data []byte, name string) (*fileSpec, *yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, &LoadError{File: name, Err: detail(ErrSyntax, "the file is empty")}
		}
		return nil, nil, yamlError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			return nil, nil, yamlError(name, err)
		}
		return nil, nil, &LoadError{File: name, Line: line, Err: detail(ErrSyntax, "more than one YAML document; a policy file holds one")}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, &LoadError{File: name, Line: root.Line, Err: detail(ErrSyntax, "a policy is a YAML mapping, not a %s", kindName(root.Kind))}
	}
	if err := checkKeys(root, reflect.TypeFor[fileSpec](), "", name); err != nil {
		return nil, nil, err
	}
	if err := checkHeader(root, name); err != nil {
		return nil, nil, err
	}
	var spec fileSpec
	if err := root.Decode(&spec); err != nil {
		return nil, nil, yamlError(name, err)
	}
	return &spec, root, nil
}

// checkHeader refuses a file that is not a drydock/v1 Policy before any other
// field is interpreted.
func checkHeader(root *yaml.Node, file string) error {
	v := lookup(root, "apiVersion")
	switch {
	case v == nil:
		return &LoadError{File: file, Line: root.Line, Field: "apiVersion", Err: detail(ErrMissingField, "want %q", APIVersion)}
	case v.Value != APIVersion:
		return &LoadError{File: file, Line: v.Line, Field: "apiVersion", Err: detail(ErrUnknownAPIVersion, "got %q, want %q", v.Value, APIVersion)}
	}
	k := lookup(root, "kind")
	switch {
	case k == nil:
		return &LoadError{File: file, Line: root.Line, Field: "kind", Err: detail(ErrMissingField, "want %q", Kind)}
	case k.Value != Kind:
		return &LoadError{File: file, Line: k.Line, Field: "kind", Err: detail(ErrUnknownKind, "got %q, want %q", k.Value, Kind)}
	}
	return nil
}

// checkKeys walks the node tree beside the Go type and refuses any mapping
// key that the type does not declare, so a misspelt field ("failon") is an
// error instead of a silently absent rule. It also checks each value's shape
// (mapping, list, string, true/false), so those errors name the field too.
func checkKeys(n *yaml.Node, t reflect.Type, path, file string) error {
	if n.Kind == yaml.AliasNode {
		return &LoadError{File: file, Line: n.Line, Field: path, Err: detail(ErrSyntax, "YAML aliases are not allowed in a policy")}
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // an empty value leaves the field at its zero value
	}
	shape := func(want string) error {
		return &LoadError{File: file, Line: n.Line, Field: path, Err: detail(ErrInvalidValue, "want %s, got %s", want, describeNode(n))}
	}
	switch t.Kind() {
	case reflect.Struct:
		fields := yamlFields(t)
		if n.Kind != yaml.MappingNode {
			return shape("a mapping with " + strings.Join(sortedKeys(fields), ", "))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fields[k.Value]
			if !ok {
				return &LoadError{File: file, Line: k.Line, Field: join(path, k.Value), Err: detail(ErrUnknownField, "%q is not a field of %s (known: %s)", k.Value, sectionName(path), strings.Join(sortedKeys(fields), ", "))}
			}
			if err := checkKeys(v, f.Type, join(path, k.Value), file); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return shape("a list")
		}
		for i, item := range n.Content {
			if err := checkKeys(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), file); err != nil {
				return err
			}
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			return shape("true or false")
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return shape("a string")
		}
	}
	return nil
}

// describeNode words what a value is, for shape errors.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	m := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		m[tag] = f
	}
	return m
}

func sortedKeys(m map[string]reflect.StructField) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sectionName(path string) string {
	if path == "" {
		return "a policy"
	}
	return path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// lookup returns the value node at the key path under a mapping, or nil.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, key := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// lineOf is the line of the value at keys under n, else n's own line.
func lineOf(n *yaml.Node, keys ...string) int {
	if v := lookup(n, keys...); v != nil {
		return v.Line
	}
	if n == nil {
		return 0
	}
	return n.Line
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns a yaml.v3 error into a LoadError carrying its line.
func yamlError(file string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
		if len(te.Errors) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(te.Errors)-1)
		}
	}
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	kind := ErrSyntax
	if te != nil {
		kind = ErrInvalidValue
	}
	return &LoadError{File: file, Line: line, Err: fmt.Errorf("%w: %s", kind, strings.TrimPrefix(msg, "yaml: "))}
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	default:
		return "document"
	}
}
