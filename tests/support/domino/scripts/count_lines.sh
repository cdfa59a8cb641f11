# Domino runs a .sh command with bash: counts the lines of its input file.
wc -l < /workflow/inputs/table | tr -d ' ' > /workflow/outputs/lines
