// Human-readable renderings of the run report: a Markdown summary for pull requests and chat,
// and a self-contained HTML page (inline SVG charts, no script, nothing fetched) to keep or mail.
//
//   write(md_path, render_markdown(report, unmet));
//   write(html_path, render_html(report, unmet));
#pragma once

#include <string>
#include <vector>

#include "coordinator/report/report.hpp"

namespace stampede::coordinator {

std::string render_markdown(const RunReport& report, const std::vector<std::string>& unmet);
std::string render_html(const RunReport& report, const std::vector<std::string>& unmet);

}  // namespace stampede::coordinator
