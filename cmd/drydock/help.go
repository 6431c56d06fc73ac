package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// helpWidth is the column help text fits in.
const helpWidth = 80

// The help and usage templates are cobra's, with every line that could run
// long (descriptions, usage lines, the command list, flags) wrapped at
// helpWidth.
const helpTemplate = `{{with (or .Long .Short)}}{{wrap 0 . | trimTrailingWhitespaces}}

{{end}}{{if or .Runnable .HasSubCommands}}{{.UsageString}}{{end}}`

const usageTemplate = `Usage:{{if and .Runnable (not .HasAvailableSubCommands)}}
{{wrap 4 (printf "  %s" .UseLine)}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Available Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
{{wrap (add .NamePadding 3) (printf "  %s %s" (rpad .Name .NamePadding) .Short)}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{(.LocalFlags.FlagUsagesWrapped 80) | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{(.InheritedFlags.FlagUsagesWrapped 80) | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

{{wrap 0 (printf "Use \"%s [command] --help\" for more information about a command." .CommandPath)}}{{end}}
`

func init() {
	cobra.AddTemplateFunc("wrap", wrapText)
	cobra.AddTemplateFunc("add", func(a, b int) int { return a + b })
}

// setHelp gives root (and so every verb) the wrapping templates.
func setHelp(root *cobra.Command) {
	root.SetHelpTemplate(helpTemplate)
	root.SetUsageTemplate(usageTemplate)
}

// wrapText breaks every line of text longer than helpWidth at spaces;
// continuation lines are indented by indent columns, or, when indent is 0,
// as much as the line they continue.
func wrapText(indent int, text string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		lead := indent
		if lead == 0 {
			lead = len(line) - len(strings.TrimLeft(line, " "))
		}
		for len([]rune(line)) > helpWidth {
			cut := strings.LastIndex(string([]rune(line)[:helpWidth+1]), " ")
			if cut <= lead {
				break // one word longer than the line: leave it
			}
			out = append(out, strings.TrimRight(line[:cut], " "))
			line = strings.Repeat(" ", lead) + strings.TrimLeft(line[cut:], " ")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
