#!/usr/bin/env bash
# Every "method.md section N" (or "method.md N", "method.md §N") that the code, the docs and the
# resources cite must name a numbered section of docs/method.md ("## N." or "### Na.").
# Usage: method_references.sh SOURCE_DIR
set -euo pipefail
cd "$1"
status=0
while IFS= read -r ref; do
  file=${ref%%:*}
  number=$(grep -oE 'method\.md (section |§)?[0-9]+[a-z]?' <<<"$ref" | grep -oE '[0-9]+[a-z]?$' | head -1)
  if ! grep -qE "^#{2,3} ${number}\. " docs/method.md; then
    echo "$file cites method.md section $number, which docs/method.md does not have"
    status=1
  fi
done < <(grep -rnoE 'method\.md (section |§)?[0-9]+[a-z]?' app core ui tests resources docs README.md)
[[ $status -eq 0 ]] && echo "every method.md section reference resolves"
exit $status
