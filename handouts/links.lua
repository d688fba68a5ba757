-- links.lua - pandoc filter: a link to another handout (x.md) points to its
-- rendered page (x.html).
function Link(el)
  el.target = el.target:gsub("^([%w%-_]+)%.md$", "%1.html")
  el.target = el.target:gsub("^([%w%-_]+)%.md#", "%1.html#")
  return el
end
