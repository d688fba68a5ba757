-- page.lua - pandoc filter for a handout page (render.sh passes the page's
-- name as metadata `page` and every page's name as `pages`):
--   - a bar to the index and the previous and next labs, top and bottom;
--   - "lab NN" in prose links to that lab's page;
--   - the contents list folded in a <details>, after the introduction,
--     so the page opens on the lab rather than on thirty headings;
--   - a sample marked <!-- output: CMD --> shows its command as "$ CMD";
--   - `\|` in a code span of a table shows as `|`, and tables are as
--     wide as their cells need, not split evenly.

local page, pages, num = "", {}, {}  -- num["04"] = "04-fifo"

-- "Lab 03: ls -l | more, by hand" -> "ls -l | more, by hand"
local function title_of(name)
  local f = io.open(name .. ".md")
  if not f then return name end
  for line in f:lines() do
    local t = line:match("^# (.*)")
    if t then f:close(); return (t:gsub("^[Ll]ab %d+: *", "")) end
  end
  f:close()
  return name
end

local function meta(m)
  page = pandoc.utils.stringify(m.page or "")
  for name in pandoc.utils.stringify(m.pages or ""):gmatch("%S+") do
    table.insert(pages, name)
    num[name:sub(1, 2)] = name
  end
end

-- Index, previous, next: one bar, used at the top and at the bottom.
local function navbar()
  local here
  for i, name in ipairs(pages) do if name == page then here = i end end
  local items = { pandoc.Link("All labs", "index.html") }
  local function add(i, arrow_before, arrow_after)
    local name = here and pages[i]
    if not name then return end
    local text = arrow_before .. "Lab " .. name:sub(1, 2) .. ": " .. title_of(name) .. arrow_after
    table.insert(items, pandoc.Str(" · "))
    table.insert(items, pandoc.Link(text, name .. ".html"))
  end
  add(here and here - 1, "← ", "")
  add(here and here + 1, "", " →")
  return pandoc.Div(pandoc.Plain(items), { class = "kit-nav" })
end

-- "lab 02", "Labs 07": the number becomes a link to its page.  Walked top
-- down so headings, links and picture captions can be left out whole.
local lablinks = {
  traverse = "topdown",
  Header = function(el) return el, false end,
  Link = function(el) return el, false end,
  Image = function(el) return el, false end,
  Inlines = function(inl)
    for i = #inl - 2, 1, -1 do
      local a, sp, n = inl[i], inl[i + 1], inl[i + 2]
      -- ("(lab 04)": an opening bracket or quote stays outside the link.)
      local pre, word = "", nil
      if a.t == "Str" then pre, word = a.text:match("^([%(%[\"“]?)([Ll]abs?)$") end
      if word and (sp.t == "Space" or sp.t == "SoftBreak") and n.t == "Str" then
        local nn, rest = n.text:match("^(%d%d)(.*)$")
        if nn and num[nn] and num[nn] ~= page and not rest:match("^%d") then
          inl[i] = pandoc.Link({ pandoc.Str(word), pandoc.Space(), pandoc.Str(nn) }, num[nn] .. ".html")
          inl:remove(i + 1)
          if rest ~= "" then inl[i + 1] = pandoc.Str(rest) else inl:remove(i + 1) end
          if pre ~= "" then inl:insert(i, pandoc.Str(pre)) end
        end
      end
    end
    return inl
  end,
}

-- "a; { b; c; }" -> { "a", "{ b", "c; }" } and the depth each piece starts
-- at.  Shown one piece a line, ended by "; \": the shell drops a "\" and
-- its newline, so any ";" outside quotes can end a line and the command
-- stays the same; the depth indents a group's commands.
local function split_commands(cmd)
  local out, depths, cur, depth, start, quote, i = {}, {}, "", 0, 0, nil, 1
  while i <= #cmd do
    local c = cmd:sub(i, i)
    if quote then
      if c == "\\" and quote == '"' then cur = cur .. cmd:sub(i, i + 1); i = i + 1
      else
        if c == quote then quote = nil end
        cur = cur .. c
      end
    elseif c == "\\" then cur = cur .. cmd:sub(i, i + 1); i = i + 1
    elseif c == "'" or c == '"' then quote = c; cur = cur .. c
    elseif c == ";" and not cmd:sub(i + 1):match("^;") and not cmd:sub(i + 1):match("^%s*[})]")
        and cur:match("%S") and not cur:match(";$") then
      table.insert(out, (cur:gsub("^%s+", ""))); table.insert(depths, start)
      cur, start = "", depth
    else
      if c == "{" or c == "(" then depth = depth + 1
      elseif c == "}" or c == ")" then depth = depth - 1 end
      cur = cur .. c
    end
    i = i + 1
  end
  if cur:match("%S") then table.insert(out, (cur:gsub("^%s+", ""))); table.insert(depths, start) end
  return out, depths
end

local function esc(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

-- The commands are shown as one command line continued with "\", which is
-- what a terminal shows for them: every output line comes after the last
-- command, as in the sample.  The "$ " is not selectable, so a copy of
-- the command lines runs as it is.
local function sample(cmd, vary, code)
  local parts, depths = split_commands(cmd)
  local lines = {}
  for k, c in ipairs(parts) do
    local prompt = k == 1 and '<span class="prompt">$ </span>' or
        string.rep("  ", depths[k] + 1)
    lines[k] = prompt .. '<span class="cmd">' .. esc(c) ..
        (k < #parts and "; \\" or "") .. "</span>"
  end
  local text = code.text ~= "" and "\n" .. esc(code.text) or ""
  return pandoc.RawBlock("html", '<pre class="sample' .. (vary and " vary" or "") ..
      '"><code>' .. table.concat(lines, "\n") .. text .. "</code></pre>")
end

local samples = {
  Blocks = function(blocks)
    for i = #blocks - 1, 1, -1 do
      local b, code = blocks[i], blocks[i + 1]
      if b.t == "RawBlock" and b.format == "html" and code.t == "CodeBlock" then
        local vary, cmd = b.text:match("^<!%-%- output(.-): (.*) %-%->$")
        if cmd then
          blocks[i + 1] = sample(cmd, vary ~= "", code)
          blocks:remove(i)
        end
      end
    end
    return blocks
  end,
}

-- Pipe tables need `\|` for a | inside a code span; pandoc keeps the
-- backslash, which makes the code wrong C when copied.  And a pipe table
-- with a long row gets its column widths from its |---|---| line: half
-- the page for a column of two words.  The browser sizes them better.
local tables = {
  Table = function(t)
    for i, c in ipairs(t.colspecs) do t.colspecs[i] = { c[1], pandoc.ColWidthDefault } end
    return pandoc.walk_block(t, {
      -- A short code with no space (`--quick`, `-m`, `EAGAIN`) stays on
      -- one line: a narrow column otherwise breaks it after a hyphen.
      Code = function(c)
        c.text = c.text:gsub("\\|", "|")
        if not c.text:find(" ") and #c.text <= 24 then c.classes:insert("nobr") end
        return c
      end,
    })
  end,
}

-- The contents (levels 1 and 2 once render.sh has shifted the headings),
-- folded, after the introduction and the "At a glance" section (the task
-- comes first); the bars at the top and bottom go to the template's
-- include-before/-after.
local function page_frame(doc)
  local toc, n = {}, 0
  for _, b in ipairs(doc.blocks) do
    if b.t == "Header" and b.level <= 2 and b.identifier ~= "" then
      local item = { pandoc.Plain(pandoc.Link(b.content, "#" .. b.identifier)) }
      if b.level == 1 or #toc == 0 then
        table.insert(toc, item)
      else
        local last = toc[#toc]
        if #last == 1 then table.insert(last, pandoc.BulletList({ item }))
        else last[2].content:insert(item) end
      end
      n = n + 1
    end
  end
  local first = #doc.blocks + 1
  for i, b in ipairs(doc.blocks) do
    if b.t == "Header" and b.identifier ~= "at-a-glance" then first = i; break end
  end
  if n > 0 then
    doc.blocks:insert(first, pandoc.Div({
      pandoc.RawBlock("html", "<details><summary>Contents (" .. #toc .. " sections)</summary>"),
      pandoc.BulletList(toc),
      pandoc.RawBlock("html", "</details>"),
    }, { id = "TOC", class = "toc" }))
  end
  local bar = navbar()
  doc.meta["include-before"] = pandoc.MetaBlocks({ bar })
  doc.meta["include-after"] = pandoc.MetaBlocks({ bar })
  return doc
end

return {
  { Meta = meta },
  tables,
  samples,
  lablinks,
  { Pandoc = page_frame },
}
