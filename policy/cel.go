package policy

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"gopkg.in/yaml.v3"
)

// rule is one custom CEL rule, compiled at load time.
type rule struct {
	name      string
	message   string
	effect    string // "deny": true is a violation; "allow": false is one
	source    string
	idsSource string
	prog      cel.Program
	ids       cel.Program // nil when the rule names no IDs
}

// maxExpressionSize bounds a rule's text, so parsing cannot be made slow.
const maxExpressionSize = 8 << 10

var ruleName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// celEnv declares the variables every rule sees. The records are Go structs
// exposed as CEL object types, so a misspelt field ("p.nmae") or a wrong
// comparison is a compile error when the policy loads, not a surprise when
// an image arrives.
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		ext.NativeTypes(
			reflect.TypeFor[image](), reflect.TypeFor[osRelease](), reflect.TypeFor[layer](),
			reflect.TypeFor[packageInfo](), reflect.TypeFor[finding](),
			ext.ParseStructTags(true),
		),
		cel.Variable("image", cel.ObjectType("policy.image")),
		cel.Variable("packages", cel.ListType(cel.ObjectType("policy.packageInfo"))),
		cel.Variable("findings", cel.ListType(cel.ObjectType("policy.finding"))),
		cel.Variable("now", cel.TimestampType),
		ext.Strings(), ext.Lists(), ext.Sets(),
		cel.ParserExpressionSizeLimit(maxExpressionSize),
		cel.DefaultUTCTimeZone(true),
	)
})

func compileRules(specs []ruleSpec, costLimit uint64, file string, root *yaml.Node) ([]*rule, error) {
	env, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("policy: CEL environment: %w", err)
	}
	seen := map[string]bool{}
	out := make([]*rule, 0, len(specs))
	for i, s := range specs {
		field := fmt.Sprintf("rules[%d]", i)
		bad := func(key string, err error) error {
			return &LoadError{File: file, Line: lineOf(s.node, key), Field: join(field, key), Err: err}
		}
		r := &rule{name: strings.TrimSpace(s.Name), message: strings.TrimSpace(s.Message), idsSource: strings.TrimSpace(s.IDs)}
		switch {
		case r.name == "":
			return nil, bad("name", detail(ErrMissingField, "a rule needs a name"))
		case !ruleName.MatchString(r.name):
			return nil, bad("name", detail(ErrInvalidValue, "rule name %q: use lower-case letters, digits and dashes", r.name))
		case seen[r.name]:
			return nil, bad("name", detail(ErrInvalidValue, "rule name %q is used twice", r.name))
		case r.message == "":
			return nil, bad("message", detail(ErrMissingField, "rule %q needs a message saying what is wrong", r.name))
		}
		seen[r.name] = true
		key := "deny"
		switch d, a := strings.TrimSpace(s.Deny), strings.TrimSpace(s.Allow); {
		case d != "" && a != "":
			return nil, bad("allow", detail(ErrInvalidValue, "rule %q has both deny and allow; give one", r.name))
		case d != "":
			r.effect, r.source = "deny", d
		case a != "":
			r.effect, r.source, key = "allow", a, "allow"
		default:
			return nil, bad("deny", detail(ErrMissingField, "rule %q needs a deny or an allow expression", r.name))
		}
		if r.prog, err = compile(env, r.source, cel.BoolType, costLimit); err != nil {
			return nil, bad(key, fmt.Errorf("%w: rule %q: %w", ErrRuleCompile, r.name, err))
		}
		if r.idsSource != "" {
			if r.ids, err = compile(env, r.idsSource, cel.ListType(cel.StringType), costLimit); err != nil {
				return nil, bad("ids", fmt.Errorf("%w: rule %q ids: %w", ErrRuleCompile, r.name, err))
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// compile parses and type-checks src, insists on the result type, and plans
// a program whose cost is bounded and which notices a cancelled context.
func compile(env *cel.Env, src string, want *cel.Type, costLimit uint64) (cel.Program, error) {
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		return nil, fmt.Errorf("%s", strings.TrimSpace(iss.Err().Error()))
	}
	if got := ast.OutputType(); !got.IsExactType(want) {
		return nil, fmt.Errorf("expression is of type %s, want %s", got, want)
	}
	return env.Program(ast,
		cel.CostLimit(costLimit),
		cel.InterruptCheckFrequency(64),
	)
}

// addCost adds an evaluation's actual cost to the evaluation's running total.
func addCost(spent *uint64, det *cel.EvalDetails) {
	if det == nil {
		return
	}
	if c := det.ActualCost(); c != nil {
		*spent += *c
	}
}

// check runs the rule on vars and reports whether it is violated and, if so,
// the IDs its ids expression names.
func (r *rule) check(ctx context.Context, vars map[string]any, spent *uint64) (violated bool, ids []string, err error) {
	out, det, err := r.prog.ContextEval(ctx, vars)
	addCost(spent, det)
	if err != nil {
		if ctx.Err() != nil {
			// The caller gave up; say so with the context's own error.
			return false, nil, fmt.Errorf("policy: rule %q interrupted: %w", r.name, ctx.Err())
		}
		return false, nil, &RuleError{Rule: r.name, Err: err}
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, nil, &RuleError{Rule: r.name, Err: fmt.Errorf("result is %s, want bool", out.Type())}
	}
	violated = bool(b) == (r.effect == "deny")
	if !violated || r.ids == nil {
		return violated, nil, nil
	}
	list, det, err := r.ids.ContextEval(ctx, vars)
	addCost(spent, det)
	if err != nil {
		return true, nil, &RuleError{Rule: r.name, Err: fmt.Errorf("ids: %w", err)}
	}
	native, err := list.ConvertToNative(reflect.TypeFor[[]string]())
	if err != nil {
		return true, nil, &RuleError{Rule: r.name, Err: fmt.Errorf("ids: %w", err)}
	}
	return true, native.([]string), nil
}
