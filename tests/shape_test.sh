# The shape the code keeps (issue "one shape for the control plane"): no source file in
# coordinator/, agent/, target/ or common/ over 600 lines, and no function in coordinator/ or
# agent/control/ over 80, so each part can be read whole.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
big=$(git ls-files 'coordinator/*.cpp' 'coordinator/*.hpp' 'agent/*.cpp' 'agent/*.hpp' \
  'target/*.cpp' 'target/*.hpp' 'common/*.cpp' 'common/*.hpp' |
  xargs wc -l | awk '$2 != "total" && $1 > 600 {print $2 " (" $1 " lines)"}')
[ -z "$big" ] || { echo "FAIL: files over 600 lines: $big"; exit 1; }
python3 scripts/lib/function_lengths.py 80 $(git ls-files 'coordinator/*.cpp' 'coordinator/*.hpp' \
  'agent/control/*.cpp' 'agent/control/*.hpp') || { echo "FAIL: functions over 80 lines above"; exit 1; }
echo "PASS every file within 600 lines, every control-plane function within 80"
