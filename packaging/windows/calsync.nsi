; calsync.nsi builds the Windows installer of OneCloud Calendar Sync with makensis (Debian's nsis).
; `make package-windows` runs it from the repository root; by hand:
;   makensis -V2 -DAPPNAME="$(packaging/appmeta.sh get Name)" -DVERSION=v1.2.3 -DVIVERSION=1.2.3.0 -DSRCEXE=$PWD/bin/windows-amd64/calsync.exe \
;            -DICON=$PWD/bin/calsync.ico -DOUTFILE=$PWD/bin/calsync-setup-v1.2.3.exe packaging/windows/calsync.nsi
; Give absolute paths: makensis resolves relative ones against this script's directory.
;
; What it does: calsync.exe into "Program Files\OneCloud Calendar Sync" (64-bit), a Start-menu
; shortcut for all users, autostart of the desktop/tray app for the installing user (HKCU Run, see
; below), then `calsync service install` and `calsync service start`. Running a newer installer over
; an installed one is the upgrade: it stops the service first, replaces the files and starts it again;
; the configuration (%ProgramData%\calsync) and the service's secrets are not touched.

; A 64-bit installer (Debian's nsis ships the amd64-unicode stubs and plugins) for a 64-bit-only
; program: $PROGRAMFILES64 and the registry are the real ones, with no WOW64 redirection of files
; or registry keys, and it runs where only 64-bit code can (Wine's wine64 in CI).
Target amd64-unicode
; -DCOMPRESSOR=zlib builds quicker (make package-check); releases use the smaller solid LZMA.
!ifndef COMPRESSOR
  !define COMPRESSOR "/SOLID lzma"
!endif
SetCompressor ${COMPRESSOR}
RequestExecutionLevel admin
ManifestDPIAware true

!ifndef VERSION
  !error "pass -DVERSION=<git describe output> (make package-windows does)"
!endif
!ifndef VIVERSION
  !error "pass -DVIVERSION=<a.b.c.d> (packaging/version.sh numeric)"
!endif
!ifndef SRCEXE
  !define SRCEXE "bin\windows-amd64\calsync.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "bin\calsync-setup-${VERSION}.exe"
!endif

!ifndef APPNAME
  !error "pass -DAPPNAME=<name> (packaging/appmeta.sh get Name: FyneApp.toml's Name)"
!endif
!define PUBLISHER "${APPNAME}"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\calsync"
!define RUNKEY    "Software\Microsoft\Windows\CurrentVersion\Run"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APPNAME}"
; An upgrade goes where the last install went, even if the admin chose another folder then.
InstallDirRegKey HKLM "${UNINSTKEY}" "InstallLocation"
ShowInstDetails show
ShowUninstDetails show

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\calsync.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Open ${APPNAME} now"

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VIVERSION}"
VIFileVersion "${VIVERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APPNAME} installer"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "${PUBLISHER}"

; RunCalsync runs `calsync.exe <args>` from $INSTDIR, its output in the details list; $0 is the exit
; code ("error" when it could not be started at all).
!macro RunCalsync ARGS
  DetailPrint "calsync ${ARGS}"
  nsExec::ExecToLog '"$INSTDIR\calsync.exe" ${ARGS}'
  Pop $0
!macroend

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APPNAME} needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  ; InstallDirRegKey was read before SetRegView: read it again from the 64-bit view.
  ReadRegStr $0 HKLM "${UNINSTKEY}" "InstallLocation"
  ${If} $0 != ""
    StrCpy $INSTDIR $0
  ${EndIf}
FunctionEnd

Section "Install"
  SetRegView 64
  SetShellVarContext all

  ; Upgrade: the running service holds calsync.exe open, so stop it before overwriting. On a first
  ; install there is no calsync.exe yet and nothing to stop.
  ${If} ${FileExists} "$INSTDIR\calsync.exe"
    !insertmacro RunCalsync "service stop"
    ${If} $0 != 0
      DetailPrint "calsync service stop: exit code $0 (not installed or already stopped: fine for an upgrade)"
    ${EndIf}
  ${EndIf}

  SetOutPath "$INSTDIR"
  ; A running desktop app also holds calsync.exe open: NSIS then asks to close it and retry.
  File "/oname=calsync.exe" "${SRCEXE}"
  !ifdef ICON
    File "/oname=calsync.ico" "${ICON}"
  !endif
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${APPNAME}"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk" "$INSTDIR\calsync.exe"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\Uninstall ${APPNAME}.lnk" "$INSTDIR\uninstall.exe"

  ; Autostart of the tray app for the user who installs (the admin who configures calsync): HKCU Run
  ; rather than a Startup-folder shortcut because it is one value the uninstaller removes exactly,
  ; works when the Startup folder is redirected or synced (OneDrive, roaming profiles), and still
  ; shows in Task Manager > Startup and Settings > Apps > Startup, where a user can turn it off.
  WriteRegStr HKCU "${RUNKEY}" "calsync" '"$INSTDIR\calsync.exe"'

  ; Add/Remove Programs.
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" '"$INSTDIR\calsync.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1

  ; `install` on an installed service answers "already installed" with exit code 0: an upgrade in
  ; the same folder keeps the service definition, which names this same calsync.exe.
  !insertmacro RunCalsync "service install"
  ${If} $0 != 0
    MessageBox MB_ICONEXCLAMATION "calsync service install failed (exit code $0); see the details list.$\r$\nThe desktop app is installed; run $\"calsync service install$\" from an administrator prompt to retry." /SD IDOK
  ${Else}
    !insertmacro RunCalsync "service start"
    ${If} $0 != 0
      MessageBox MB_ICONEXCLAMATION "calsync service start failed (exit code $0); see the details list.$\r$\nThe service is installed; start it from Services or with $\"calsync service start$\"." /SD IDOK
    ${EndIf}
  ${EndIf}
SectionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

Section "Uninstall"
  SetRegView 64
  SetShellVarContext all

  ${If} ${FileExists} "$INSTDIR\calsync.exe"
    !insertmacro RunCalsync "service stop"
    ${If} $0 != 0
      DetailPrint "calsync service stop: exit code $0 (not installed or already stopped)"
    ${EndIf}
    !insertmacro RunCalsync "service uninstall"
    ${If} $0 != 0
      MessageBox MB_ICONEXCLAMATION "calsync service uninstall failed (exit code $0); see the details list.$\r$\nRemove it later with: sc delete calsync" /SD IDOK
    ${EndIf}
  ${EndIf}

  Delete "$INSTDIR\calsync.exe"
  Delete "$INSTDIR\calsync.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  Delete "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk"
  Delete "$SMPROGRAMS\${APPNAME}\Uninstall ${APPNAME}.lnk"
  RMDir "$SMPROGRAMS\${APPNAME}"
  DeleteRegValue HKCU "${RUNKEY}" "calsync"
  DeleteRegKey HKLM "${UNINSTKEY}"

  ; The configuration, state and logs stay unless the admin says otherwise (default No, and No when
  ; silent): reinstalling later then finds everything as it was.
  ReadEnvStr $1 PROGRAMDATA
  ${If} $1 == ""
    StrCpy $1 "$APPDATA" ; all-users AppData is %ProgramData% on Vista and later
  ${EndIf}
  ${If} ${FileExists} "$1\calsync\*.*"
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON2 "Also delete the configuration, state and logs in $1\calsync?$\r$\n$\r$\nChoose No to keep them for a later reinstall." /SD IDNO IDYES deleteConfig IDNO keepConfig
    deleteConfig:
      RMDir /r "$1\calsync"
      DetailPrint "deleted $1\calsync"
      Goto configDone
    keepConfig:
      DetailPrint "kept $1\calsync"
    configDone:
  ${EndIf}
SectionEnd
