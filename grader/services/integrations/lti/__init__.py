"""LTI 1.3: launches, role mapping, the tool's keys, deep linking, grade passback (AGS) and
rosters (NRPS).

The modules are the surface: `keys.rotate`, `launch.validate`, `nrps.sync`, `passback.state`..."""
