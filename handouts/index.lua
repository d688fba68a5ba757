-- index.lua - pandoc filter for the index page: the Div #labs becomes a
-- table with one row per handout (metadata `pages`, from render.sh): its
-- number, its title linked to its page, and its first paragraph.
--
-- Read with pandoc, not cut from the markdown by line: a title or a
-- paragraph can hold `|`, code, emphasis or a line break, and a handout
-- may open on its Objectives with no introduction at all.

-- The paragraph that says what the lab is: the introduction (the first
-- paragraph before the first section), or else the first item of the first
-- list (the first objective).
local function blurb(blocks)
  local seen_title = false
  for _, b in ipairs(blocks) do
    if b.t == "Header" then
      if seen_title then break end
      seen_title = true
    elseif b.t == "Para" and seen_title then
      return b.content
    end
  end
  for _, b in ipairs(blocks) do
    if (b.t == "BulletList" or b.t == "OrderedList") and #b.content > 0 then
      local first = b.content[1][1]
      if first and (first.t == "Plain" or first.t == "Para") then return first.content end
    end
  end
  return {}
end

local function row(name)
  local f = io.open(name .. ".md")
  if not f then return nil end
  local doc = pandoc.read(f:read("a"), "markdown")
  f:close()
  local title = pandoc.List()
  for _, b in ipairs(doc.blocks) do
    if b.t == "Header" and b.level == 1 then title = b.content; break end
  end
  -- "Lab 03: ls -l | more": the number has a column of its own.
  if #title >= 3 and title[1].text == "Lab" and title[3].t == "Str" and
      title[3].text:match("^%d+:$") then
    title = pandoc.List({ table.unpack(title, 5) })
  end
  return {
    { pandoc.Plain(pandoc.Str(name:sub(1, 2))) },
    { pandoc.Para(pandoc.Link(title, name .. ".html")), pandoc.Para(blurb(doc.blocks)) },
  }
end

local pages = ""

local function labs(div)
  if div.identifier ~= "labs" then return nil end
  local rows = {}
  for name in pages:gmatch("%S+") do
    table.insert(rows, row(name))
  end
  local t = pandoc.SimpleTable("", { "AlignDefault", "AlignDefault" }, { 0, 0 },
    { { pandoc.Plain("lab") }, { pandoc.Plain("handout") } }, rows)
  local tbl = pandoc.utils.from_simple_table(t)
  tbl.attr = pandoc.Attr("", { "labs" })
  return tbl
end

return {
  { Meta = function(m) pages = pandoc.utils.stringify(m.pages or "") end },
  { Div = labs },
}
