package fleet

import (
	"io"
	"strings"
)

// writeMarkdown writes the report as GitHub-flavoured Markdown: a heading
// per section and a table per list. Text from advisories and workloads is
// escaped, so a summary can neither end a table cell (| or a newline) nor
// become a link, an image, HTML or emphasis.
func writeMarkdown(w io.Writer, v *view) error {
	tw := &textWriter{w: w}
	tw.printf("# %s\n\n", mdEscape(v.Title))
	for _, m := range v.Meta {
		tw.printf("- %s\n", mdEscape(m))
	}
	tw.printf("\n")
	for _, s := range v.Sections {
		tw.printf("## %s\n\n", mdEscape(s.Title))
		for _, l := range s.Lead {
			tw.printf("%s\n\n", mdEscape(l))
		}
		if len(s.Rows) == 0 {
			if s.Empty != "" {
				tw.printf("%s\n\n", mdEscape(s.Empty))
			}
		} else {
			heads := make([]string, len(s.Head))
			rule := make([]string, len(s.Head))
			for i, h := range s.Head {
				heads[i] = mdEscape(h)
				rule[i] = "---"
			}
			tw.printf("| %s |\n|%s|\n", strings.Join(heads, " | "), strings.Join(rule, "|"))
			for _, row := range s.Rows {
				cells := make([]string, len(row))
				for i, c := range row {
					cells[i] = mdCell(c)
				}
				tw.printf("| %s |\n", strings.Join(cells, " | "))
			}
			tw.printf("\n")
		}
		for _, n := range s.Notes {
			tw.printf("%s\n\n", mdEscape(n))
		}
		if len(s.Code) > 0 {
			fence := mdFence(s.Code)
			tw.printf("%ssh\n%s\n%s\n\n", fence, strings.Join(s.Code, "\n"), fence)
		}
	}
	return tw.err
}

func mdCell(c viewCell) string {
	if c.Items != nil {
		parts := make([]string, len(c.Items))
		for i, it := range c.Items {
			parts[i] = mdCell(it)
		}
		return strings.Join(parts, ", ")
	}
	switch c.Kind {
	case kindDigest, kindCode:
		return mdCode(c.Text)
	case kindSeverity:
		if c.Text == "critical" || c.Text == "high" {
			return "**" + c.Text + "**"
		}
	}
	if c.Text == "" {
		return "-"
	}
	return mdEscape(c.Text)
}

// mdEscaper backslash-escapes the characters that would make text more
// than text in GitHub's Markdown: emphasis, code, links and images, raw
// HTML and entities, strikethrough, and the pipe that ends a table cell.
// Newlines become <br>, which keeps a multi-line summary inside its cell;
// it is the only HTML the report writes, since < is escaped everywhere else.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `&`, `\&`, `|`, `\|`, `~`, `\~`, `#`, `\#`, `!`, `\!`,
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// mdCode is a code span, or escaped text when s holds a backtick or a
// newline (which a code span cannot carry in a table). A pipe is escaped
// even inside a code span: GitHub splits table cells before it reads code.
func mdCode(s string) string {
	if s == "" {
		return "-"
	}
	if strings.ContainsAny(s, "`\r\n") {
		return mdEscape(s)
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

// mdFence is a code fence longer than any run of backticks in lines.
func mdFence(lines []string) string {
	longest := 0
	for _, l := range lines {
		run := 0
		for _, r := range l {
			if r == '`' {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
