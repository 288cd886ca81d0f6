"""The developer console (SPEC §4.8): the pages a developer tries and watches an app's Open
API use with: sandbox test shops, the API testing tool, the signature debugger, the API
call log, the app's scopes and its IP allow-list. The rules they apply live below, in
open_api and sellers; these are pages."""
