-- Headless Neovim session for tests/lsp/test_neovim.py, run as
--   nvim --headless --noplugin -i NONE -u init.lua
-- with SBX_PYTHON (the Python that has sandbox-lint), SBX_FILE (the host file to open)
-- and SBX_OUT (where to write the results) in the environment.
--
-- It uses Neovim's built-in LSP client only: starts the server for the buffer, waits for
-- the diagnostics, applies two code actions the way `vim.lsp.buf.code_action()` would
-- (the rule's fix, then "Disable ... for this line"), waits for the new diagnostics,
-- and writes what it saw to SBX_OUT/result.json and the buffer to SBX_OUT/buffer.py.

local python = assert(os.getenv('SBX_PYTHON'), 'SBX_PYTHON is not set')
local file = assert(os.getenv('SBX_FILE'), 'SBX_FILE is not set')
local out = assert(os.getenv('SBX_OUT'), 'SBX_OUT is not set')
local TIMEOUT_MS = 60000

local result = { steps = {} }

local function step(name)
  table.insert(result.steps, name)
end

-- The configuration a user puts in init.lua (docs/lsp.md shows the same):
-- vim.lsp.start on Neovim 0.8+, start_client + buf_attach_client before that.
local function start_sandbox_lint(bufnr)
  local config = {
    name = 'sandbox-lint',
    cmd = { python, '-m', 'lsp' },
    root_dir = vim.fn.fnamemodify(file, ':p:h'),
    init_options = { debounce = 0 },
  }
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local client_id = vim.lsp.start_client(config)
  vim.lsp.buf_attach_client(bufnr, client_id)
  return client_id
end

local function diagnostics(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(found, {
      code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code),
      lnum = d.lnum,
      col = d.col,
      end_col = d.end_col,
      severity = d.severity,
      source = d.source,
      message = d.message,
    })
  end
  table.sort(found, function(a, b)
    return a.lnum < b.lnum
  end)
  return found
end

local function wait_for_count(bufnr, count, what, without)
  local ok = vim.wait(TIMEOUT_MS, function()
    local current = vim.diagnostic.get(bufnr)
    if #current ~= count then
      return false
    end
    for _, d in ipairs(current) do
      if without and d.code == without then
        return false
      end
    end
    return true
  end, 20)
  assert(ok, 'timed out waiting for ' .. what .. ': have ' .. vim.inspect(diagnostics(bufnr)))
end

-- The LSP diagnostics on a line, as `vim.lsp.buf.code_action()` puts them in the context.
local function line_diagnostics(bufnr, lnum)
  if vim.lsp.diagnostic.get_line_diagnostics then
    return vim.lsp.diagnostic.get_line_diagnostics(bufnr, lnum)
  end
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = lnum })) do
    local lsp = (d.user_data and d.user_data.lsp) or {}
    table.insert(found, vim.tbl_extend('keep', {
      range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } },
      message = d.message,
      source = d.source,
      code = d.code,
    }, lsp))
  end
  return found
end

-- Ask for the code actions of a line and apply the one whose title starts with `prefix`.
local function apply_action(bufnr, client_id, lnum, prefix)
  local client = vim.lsp.get_client_by_id(client_id)
  vim.api.nvim_win_set_cursor(0, { lnum + 1, 0 })
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = line_diagnostics(bufnr, lnum) }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, TIMEOUT_MS)
  assert(responses, 'no answer to textDocument/codeAction')
  local titles, chosen = {}, nil
  for _, response in pairs(responses) do
    assert(not response.err, vim.inspect(response.err))
    for _, action in ipairs(response.result or {}) do
      table.insert(titles, action.title)
      if chosen == nil and action.title:sub(1, #prefix) == prefix then
        chosen = action
      end
    end
  end
  assert(chosen, 'no code action starting with ' .. prefix .. ' among ' .. vim.inspect(titles))
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  table.insert(result.applied, chosen.title)
  return titles
end

local function main()
  result.nvim = vim.version()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = start_sandbox_lint(bufnr)
  assert(client_id, 'the server did not start')
  step('started')

  wait_for_count(bufnr, 3, 'the three findings')
  result.initial = diagnostics(bufnr)
  local client = vim.lsp.get_client_by_id(client_id)
  result.offset_encoding = client.offset_encoding
  step('diagnostics')

  result.applied = {}
  local by_code = {}
  for _, d in ipairs(result.initial) do
    by_code[d.code] = d
  end
  result.actions = apply_action(bufnr, client_id, by_code.SBX103.lnum, 'SBX103:')
  wait_for_count(bufnr, 2, 'the diagnostics after the fix')
  apply_action(bufnr, client_id, by_code.SBX101.lnum, 'Disable SBX101')
  -- SBX111 remains, and SBX603 notes that the runtime gate ignores the new noqa comment.
  wait_for_count(bufnr, 2, 'the diagnostics after the noqa comment', 'SBX101')
  result.final = diagnostics(bufnr)
  step('code actions')

  vim.fn.writefile(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), out .. '/buffer.py')
end

local function finish()
  local ok, err = pcall(main)
  if not ok then
    result.error = tostring(err)
  end
  vim.fn.writefile({ vim.fn.json_encode(result) }, out .. '/result.json')
  vim.cmd(ok and 'qall!' or 'cquit! 1')
end

vim.api.nvim_create_autocmd('VimEnter', { callback = finish, once = true })
