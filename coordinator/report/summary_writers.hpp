// Human-readable renderings of the JSON report: a Markdown summary for pull requests and chat,
// and a self-contained HTML page (inline SVG charts, no script, nothing fetched) to keep or mail.
//
//   write(md_path, render_markdown(report, unmet));
//   write(html_path, render_html(report, unmet));
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

namespace stampede::coordinator {

std::string render_markdown(const boost::json::object& report,
                            const std::vector<std::string>& unmet);
std::string render_html(const boost::json::object& report, const std::vector<std::string>& unmet);

}  // namespace stampede::coordinator
